export type LogLevel = 'info' | 'warn' | 'error';
export type LogFields = Record<string, string | number | boolean | undefined>;
export type Logger = (level: LogLevel, message: string, fields?: LogFields) => void;

function quote(value: string): string {
  return /^[\w./:@+-]+$/.test(value) ? value : JSON.stringify(value);
}

/** One line per event, logfmt style: `time=… level=info msg="pod started" pod=default/web-n1`. */
export function lineLogger(out: NodeJS.WritableStream = process.stdout): Logger {
  return (level, message, fields = {}) => {
    const parts = [`time=${new Date().toISOString()}`, `level=${level}`, `msg=${JSON.stringify(message)}`];
    for (const [key, value] of Object.entries(fields)) if (value !== undefined) parts.push(`${key}=${quote(String(value))}`);
    out.write(`${parts.join(' ')}\n`);
  };
}
