/** The one error the PyTorch import raises for a file it refuses: `<file>: <what was expected, what was found>`. */
import { KnownError } from '../../core/errors';

export class TorchImportError extends KnownError {
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`${file}: ${problem}`);
  }
}
