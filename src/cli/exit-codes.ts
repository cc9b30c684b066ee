export { EXIT, UsageError } from '../session/exit-codes.js';
