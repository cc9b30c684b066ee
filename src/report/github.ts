/** GitHub Actions workflow commands, escaped per the runner's rules. */

export function escapeData(value: string): string {
  return value.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

export function escapeProperty(value: string): string {
  return escapeData(value).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

export interface Annotation {
  level?: 'error' | 'warning' | 'notice';
  file?: string;
  line?: number;
  column?: number;
  title?: string;
  message: string;
}

/** `::error file=…,line=…,col=…,title=…::message` */
export function formatAnnotation(a: Annotation): string {
  const props: string[] = [];
  if (a.file) props.push(`file=${escapeProperty(a.file)}`);
  if (a.line) props.push(`line=${a.line}`);
  if (a.column) props.push(`col=${a.column}`);
  if (a.title) props.push(`title=${escapeProperty(a.title)}`);
  return `::${a.level ?? 'error'}${props.length ? ` ${props.join(',')}` : ''}::${escapeData(a.message)}`;
}
