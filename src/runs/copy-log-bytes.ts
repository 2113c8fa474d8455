// Copies what a log gained since an offset to a writer, a bounded chunk at a time: a console log of any size (3 GB and
// more) in bounded memory, where reading the rest in one buffer failed above 2 GiB and held it all in memory below.
import fs from 'node:fs';

/** How much is read and handed on at once. */
export const LOG_CHUNK_BYTES = 1024 * 1024;

/**
 * Copies the bytes of `file` from `offset` to its size when called, `chunkBytes` at a time, to `write` (which resolves
 * when the chunk may be followed by the next one, false when nobody reads any more). Returns the offset reached. A log
 * not written yet is no error (the offset stays); any other failure to read it is thrown.
 */
export async function copyLogBytes(file: string, offset: number, write: (chunk: Buffer) => Promise<boolean>, chunkBytes = LOG_CHUNK_BYTES): Promise<number> {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return offset;
    throw error;
  }
  try {
    const size = fs.fstatSync(fd).size;
    while (offset < size) {
      // A new buffer each time: the writer may still hold the previous one (a pipe that is behind).
      const buffer = Buffer.allocUnsafe(Math.min(chunkBytes, size - offset));
      const read = fs.readSync(fd, buffer, 0, buffer.length, offset);
      // The file was cut shorter meanwhile: what is there was copied.
      if (read === 0) break;
      offset += read;
      if (!(await write(read === buffer.length ? buffer : buffer.subarray(0, read)))) break;
    }
    return offset;
  } finally {
    fs.closeSync(fd);
  }
}

/** A writer for copyLogBytes onto a stream (stdout), waiting when it is full; false once it is closed. */
export function streamWriter(stream: NodeJS.WritableStream & { destroyed?: boolean }): (chunk: Buffer) => Promise<boolean> {
  return async (chunk) => {
    if (stream.destroyed) return false;
    if (stream.write(chunk)) return true;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        stream.off('drain', done);
        stream.off('close', done);
        stream.off('error', done);
        resolve();
      };
      stream.on('drain', done);
      stream.on('close', done);
      stream.on('error', done);
    });
    return !stream.destroyed;
  };
}
