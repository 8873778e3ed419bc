// Moved to shared/ so the load generator (harness) draws the same numbers without importing the app.
export { standardNormal, uniform01 } from '../../shared/random';
