// A minimal, deterministic ustar writer: regular files only, fixed metadata.
//
// Why no library: an image layer here holds exactly one regular file (`plugin.wasm`). `tar` and
// `tar-stream` are streaming archivers that take metadata from the file system or the caller and
// add options we would have to pin one by one (pax headers, mtime, uid/gid names, record padding);
// a 512-byte header written by hand is shorter than that configuration, has no dependency, and
// its bytes are fixed by this file alone, which is what a reproducible image digest needs.

export interface TarEntry {
  /** Path inside the archive, ASCII, at most 100 bytes (no prefix field is used). */
  name: string;
  data: Uint8Array;
}

const BLOCK = 512;

function putString(header: Buffer, offset: number, length: number, value: string): void {
  const bytes = Buffer.from(value, "ascii");
  if (bytes.length > length) throw new Error(`tar: field too long: ${JSON.stringify(value)}`);
  bytes.copy(header, offset);
}

/** An octal number, zero padded to `length - 1` digits, NUL terminated. */
function putOctal(header: Buffer, offset: number, length: number, value: number): void {
  const digits = value.toString(8);
  if (digits.length > length - 1) throw new Error(`tar: value ${value} does not fit ${length - 1} octal digits`);
  putString(header, offset, length, digits.padStart(length - 1, "0") + "\0");
}

/**
 * One ustar header for a regular file: mode 0644, uid/gid 0, empty user/group names, mtime 0.
 * Layout (POSIX.1-1988 ustar): name 0..100, mode 100, uid 108, gid 116, size 124, mtime 136,
 * chksum 148, typeflag 156, linkname 157, magic 257 "ustar\0", version 263 "00", uname 265,
 * gname 297, devmajor 329, devminor 337, prefix 345, padding to 512.
 */
export function tarHeader(name: string, size: number): Buffer {
  if (!/^[\x21-\x7e][\x20-\x7e]*$/.test(name) || name.startsWith("/") || name.split("/").includes("..")) {
    throw new Error(`tar: unsupported entry name ${JSON.stringify(name)}`);
  }
  const header = Buffer.alloc(BLOCK, 0);
  putString(header, 0, 100, name);
  putOctal(header, 100, 8, 0o644);
  putOctal(header, 108, 8, 0);
  putOctal(header, 116, 8, 0);
  putOctal(header, 124, 12, size);
  putOctal(header, 136, 12, 0);
  header.fill(0x20, 148, 156); // checksum field counts as spaces while summing
  putString(header, 156, 1, "0");
  putString(header, 257, 6, "ustar\0");
  putString(header, 263, 2, "00");
  putOctal(header, 329, 8, 0);
  putOctal(header, 337, 8, 0);
  let sum = 0;
  for (const byte of header) sum += byte;
  // Six octal digits, NUL, space: the traditional form every tar reader accepts.
  putString(header, 148, 8, sum.toString(8).padStart(6, "0") + "\0 ");
  return header;
}

/** The archive: each entry's header and data padded to 512 bytes, then two zero blocks. */
export function tarArchive(entries: TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    parts.push(tarHeader(entry.name, entry.data.length));
    parts.push(Buffer.from(entry.data.buffer, entry.data.byteOffset, entry.data.byteLength));
    const pad = (BLOCK - (entry.data.length % BLOCK)) % BLOCK;
    if (pad > 0) parts.push(Buffer.alloc(pad, 0));
  }
  parts.push(Buffer.alloc(2 * BLOCK, 0));
  return Buffer.concat(parts);
}

/** Reads a ustar archive back (regular files only); used by tests and `sluice image` checks. */
export function tarEntries(archive: Uint8Array): TarEntry[] {
  const buf = Buffer.from(archive.buffer, archive.byteOffset, archive.byteLength);
  const out: TarEntry[] = [];
  let offset = 0;
  while (offset + BLOCK <= buf.length) {
    const header = buf.subarray(offset, offset + BLOCK);
    if (header.every((b) => b === 0)) break;
    const field = (start: number, length: number): string => {
      const raw = header.subarray(start, start + length);
      const nul = raw.indexOf(0);
      return raw.subarray(0, nul < 0 ? length : nul).toString("ascii");
    };
    const prefix = field(345, 155);
    const name = prefix ? `${prefix}/${field(0, 100)}` : field(0, 100);
    const size = parseInt(field(124, 12).trim() || "0", 8);
    const type = field(156, 1);
    const start = offset + BLOCK;
    if (type === "0" || type === "") out.push({ name, data: buf.subarray(start, start + size) });
    offset = start + Math.ceil(size / BLOCK) * BLOCK;
  }
  return out;
}
