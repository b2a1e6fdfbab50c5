/** A body that cannot be read in the format it claims: the webhook is answered 400. */
export class PayloadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PayloadError';
  }
}
