export class ConnectorRuntimeError extends Error {
  constructor(
    message: string,
    readonly code: 'not-supported' | 'missing-value' | 'invalid-number' | 'provider-error' | 'network' | 'invalid-url',
  ) {
    super(message);
    this.name = 'ConnectorRuntimeError';
  }
}
