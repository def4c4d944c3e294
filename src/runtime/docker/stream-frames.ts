/** The engine's multiplexed stream (8-byte frame headers: stream type, size) split into its frames. */
export function frames(buffer: Buffer): Array<{ stream: 'stdout' | 'stderr'; data: Buffer }> {
  const out: Array<{ stream: 'stdout' | 'stderr'; data: Buffer }> = [];
  for (let i = 0; i + 8 <= buffer.length; ) {
    const size = buffer.readUInt32BE(i + 4);
    out.push({ stream: buffer[i] === 2 ? 'stderr' : 'stdout', data: buffer.subarray(i + 8, i + 8 + size) });
    i += 8 + size;
  }
  return out;
}

/** Splits the engine's multiplexed log stream into stdout and stderr. */
export function demux(buffer: Buffer, stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream): void {
  for (const frame of frames(buffer)) (frame.stream === 'stderr' ? stderr : stdout).write(frame.data);
}
