// Header lists in the host's pairs layout (a local reply's headers, response headers to add),
// built in blocks every request reuses: u32 N, N x (u32 name length, u32 value length), then
// N x (name NUL value NUL), little-endian. A list fixed by the configuration is built once and
// appended to a request's list with two copies.
import { proxy_add_header_map_value } from "@gcoredev/proxy-wasm-sdk-as/assembly/imports";
import { ByteWriter } from "./byte-writer";
import { bufferLength } from "./bytes";
import { HeaderList } from "./headers";

export class HeaderPairs {
  count: i32 = 0;
  /** u32 N (set by serialize()), then per header: u32 name length, u32 value length; serialize()
   *  appends `data`, making it the whole layout. */
  private readonly sizes: ByteWriter = new ByteWriter(256);
  /** Per header: name NUL value NUL. */
  private readonly data: ByteWriter = new ByteWriter(256);
  /** Where the value of the header begun last starts in `data`; -1 when it is ended. */
  private valueStart: i32 = -1;

  constructor() {
    this.clear();
  }

  /** The headers of `list`, encoded once (configure time). */
  static of(list: HeaderList): HeaderPairs {
    const pairs = new HeaderPairs();
    pairs.addList(list);
    pairs.end();
    return pairs;
  }

  clear(): void {
    this.count = 0;
    this.valueStart = -1;
    this.sizes.clear();
    this.sizes.room(4);
    this.data.clear();
  }

  /** Starts header `name` (lowercase, encoded once) and returns the writer its value goes to;
   *  the next begin(), add(), append() or serialize() ends it. */
  begin(name: ArrayBuffer): ByteWriter {
    this.end();
    const n = bufferLength(name);
    const data = this.data;
    const at = data.room(n + 1);
    memory.copy(at, changetype<usize>(name), <usize>n);
    store<u8>(at + <usize>n, 0);
    return this.started(n);
  }

  /** Records a header whose name of `nameLength` bytes and NUL were just written to `data`. */
  private started(nameLength: i32): ByteWriter {
    store<u32>(this.sizes.room(8), nameLength);
    const data = this.data;
    this.valueStart = data.length;
    this.count++;
    return data;
  }

  /** Adds header `name` with the fixed `value`. */
  add(name: ArrayBuffer, value: ArrayBuffer): void {
    this.begin(name).buffer(value);
  }

  /** Adds every header of `list` (byte strings, e.g. decoded from a service's answer). */
  addList(list: HeaderList): void {
    for (let i = 0, n = list.length; i < n; i++) {
      const name = unchecked(list.names[i]);
      this.end();
      this.data.string(name);
      this.data.byte(0);
      this.started(name.length).string(unchecked(list.values[i]));
    }
  }

  /** Adds every header of `fixed` (a list built once). */
  append(fixed: HeaderPairs): void {
    this.end();
    this.sizes.bytes(fixed.sizes.ptr + 4, fixed.sizes.length - 4);
    this.data.bytes(fixed.data.ptr, fixed.data.length);
    this.count += fixed.count;
  }

  /** Ends the header begun last (nothing when it is ended). */
  end(): void {
    const start = this.valueStart;
    if (start < 0) return;
    const data = this.data;
    store<u32>(this.sizes.ptr + <usize>(this.count * 8), data.length - start);
    store<u8>(data.room(1), 0);
    this.valueStart = -1;
  }

  /** Lays the list out for the host; `ptr` and `length` then describe it, until clear(). */
  serialize(): void {
    this.end();
    const sizes = this.sizes;
    store<u32>(sizes.ptr, this.count);
    sizes.bytes(this.data.ptr, this.data.length);
  }

  /** The layout serialize() made. */
  // @ts-ignore: decorator
  @inline get ptr(): usize { return this.sizes.ptr; }
  // @ts-ignore: decorator
  @inline get length(): i32 { return this.sizes.length; }

  /** Adds every header to header map `map` (one host call each, keeping existing values). */
  addTo(map: i32): void {
    this.end();
    let entry = this.sizes.ptr + 4;
    let name = this.data.ptr;
    for (let i = 0, n = this.count; i < n; i++) {
      const nameLength = <usize>load<u32>(entry);
      const valueLength = <usize>load<u32>(entry, 4);
      const value = name + nameLength + 1;
      proxy_add_header_map_value(map, name, nameLength, value, valueLength);
      name = value + valueLength + 1;
      entry += 8;
    }
  }
}
