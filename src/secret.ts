import { inspect } from 'node:util';

/**
 * A credential that cannot leak by accident: String(), JSON.stringify() and util.inspect() all
 * render it as "***". Only the GoDaddy client calls reveal(), to build the Authorization header.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return '***';
  }

  toJSON(): string {
    return '***';
  }

  [inspect.custom](): string {
    return 'Secret(***)';
  }
}
