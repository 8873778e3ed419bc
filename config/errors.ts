/** Errors with stable codes (fastify-style), so scripts and tests can match on `code`, not on prose. */
export type BakeoffErrorCode =
  | 'BAKEOFF_ERR_UNKNOWN_ADAPTER'
  | 'BAKEOFF_ERR_ADAPTER_CONFLICT'
  | 'BAKEOFF_ERR_SDK_MISSING'
  | 'BAKEOFF_ERR_INVALID_ENV'
  | 'BAKEOFF_ERR_INVALID_SCENARIO'
  | 'BAKEOFF_ERR_UNKNOWN_SCENARIO'
  | 'BAKEOFF_ERR_PORT_IN_USE'
  | 'BAKEOFF_ERR_DATA_DIR_IN_USE'
  | 'BAKEOFF_ERR_SERVICE_TOKEN'
  | 'BAKEOFF_ERR_USAGE';

export class BakeoffError extends Error {
  constructor(
    readonly code: BakeoffErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'BakeoffError';
  }
}
