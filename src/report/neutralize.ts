// placeholder until the redact branch lands
export function neutralize(text: string): string {
  return text;
}
export function neutralizeValue<T>(value: T): T {
  return value;
}
