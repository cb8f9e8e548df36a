// The request values rules look at, read from the host lazily: a header, cookie, query parameter
// or property is fetched the first time a condition (or the trust check, or a sticky split) needs
// it and kept for the rest of the request, so each costs at most one host call per request.
// Values are kept as bytes, never as strings: each is copied out of the host's block into an arena
// that every request of the VM reuses (see scratch-block.ts), and a cookie, query parameter or
// path is a range of the header it came from (a percent-decoded query value is decoded into the
// arena). Only the trust check makes a string, of the peer's SPIFFE ID.
import { bytesToString, stringToBuffer } from "../shared/bytes";
import { HeaderMap } from "../shared/headers";
import { readHeader, readProperty, releaseValue, valuePtr } from "../shared/host-values";
import { CONNECTION_URI_SAN_PEER, hostSpanOf } from "../shared/properties";
import {
  findCookie, findQueryParam, isPlain, NOT_FOUND, pathLength, percentDecode, spanEnd, spanStart,
} from "./header-bytes";
import { ScratchBlock } from "../shared/scratch-block";

const PATH = stringToBuffer(":path");
const COOKIE = stringToBuffer("cookie");
const PEER = stringToBuffer(CONNECTION_URI_SAN_PEER);

export const enum SourceKind { Header, Query, Cookie, Path, Method, Host, Peer }

/** One value a condition reads; equal sources are shared between conditions (see sourceIndex). */
export class Source {
  /** The name of the header read, as bytes: `name` for header sources, `:method` and `:authority`
   *  for method and host ones (empty for the others). */
  readonly headerName: ArrayBuffer;

  constructor(readonly kind: SourceKind, readonly name: string) {
    this.headerName = stringToBuffer(kind == SourceKind.Header ? name : kind == SourceKind.Method ? ":method" : kind == SourceKind.Host ? ":authority" : "");
  }
}

/** The index of (kind, name) in `sources`, appending it when new (configure time). */
export function sourceIndex(sources: Source[], kind: SourceKind, name: string): i32 {
  for (let i = 0; i < sources.length; i++) {
    const s = unchecked(sources[i]);
    if (s.kind == kind && s.name == name) return i;
  }
  sources.push(new Source(kind, name));
  return sources.length - 1;
}

/** A value's length when the request has none. */
export const ABSENT: i32 = -1;
// @ts-ignore: decorator
@inline const UNREAD: i32 = -2;

// Slots: the values several sources are read from, then one per source.
// @ts-ignore: decorator
@inline const PATH_SLOT = 0;
// @ts-ignore: decorator
@inline const COOKIE_SLOT = 1;
// @ts-ignore: decorator
@inline const PEER_SLOT = 2;
// @ts-ignore: decorator
@inline const FIRST_SOURCE_SLOT = 3;

/** The bytes of the current request's values, shared by every RequestValues of the VM: requests
 *  are coloured one at a time, and their values are not used once onRequestHeaders returns. */
const arena = new ScratchBlock(512);

/** Values of the current request, each read at most once. One instance serves every request of a
 *  configuration (reset() starts a request): a request allocates nothing. */
export class RequestValues {
  /** Bytes of the arena in use. */
  private used: i32 = 0;
  /** Per slot: where its bytes start in the arena, and their length (ABSENT, UNREAD). */
  private readonly starts: StaticArray<i32>;
  private readonly lengths: StaticArray<i32>;

  constructor(private readonly sources: Source[]) {
    const slots = FIRST_SOURCE_SLOT + sources.length;
    this.starts = new StaticArray<i32>(slots);
    this.lengths = new StaticArray<i32>(slots);
  }

  /** Starts a request: nothing read yet. */
  reset(): void {
    arena.trim();
    this.used = 0;
    this.lengths.fill(UNREAD);
  }

  /** Reads source `index` (the first time only): its length in bytes, or ABSENT. */
  read(index: i32): i32 {
    return this.slot(FIRST_SOURCE_SLOT + index);
  }

  /** Where the bytes of source `index` are, after read(index); valid until the next read (the
   *  arena can move). */
  at(index: i32): usize {
    return this.slotPtr(FIRST_SOURCE_SLOT + index);
  }

  /** The downstream peer's SPIFFE ID (first URI SAN of its certificate), or null. */
  peer(): string | null {
    const n = this.slot(PEER_SLOT);
    if (n == ABSENT) return null;
    return bytesToString(this.slotPtr(PEER_SLOT), <usize>n);
  }

  /** The length of `slot`'s value (ABSENT), reading it first when needed. */
  private slot(slot: i32): i32 {
    if (unchecked(this.lengths[slot]) == UNREAD) this.fill(slot);
    return unchecked(this.lengths[slot]);
  }

  private fill(slot: i32): void {
    switch (slot) {
      case PATH_SLOT: this.keep(slot, readHeader(HeaderMap.RequestHeaders, PATH), 0); return;
      case COOKIE_SLOT: this.keep(slot, readHeader(HeaderMap.RequestHeaders, COOKIE), 0); return;
      case PEER_SLOT: this.keep(slot, readProperty(PEER), 0); return;
    }
    const source = unchecked(this.sources[slot - FIRST_SOURCE_SLOT]);
    switch (source.kind) {
      case SourceKind.Header:
      case SourceKind.Method: this.keep(slot, readHeader(HeaderMap.RequestHeaders, source.headerName), 0); return;
      case SourceKind.Host: this.keepHost(slot, readHeader(HeaderMap.RequestHeaders, source.headerName)); return;
      case SourceKind.Query: this.fillQuery(slot, source.name); return;
      case SourceKind.Cookie: this.fillCookie(slot, source.name); return;
      case SourceKind.Path: this.fillPath(slot); return;
      default: { // the peer
        const n = this.slot(PEER_SLOT);
        if (n == ABSENT) this.absent(slot);
        else this.alias(slot, PEER_SLOT, 0, n);
      }
    }
  }

  /** Copies the value just read (`length` bytes, or ABSENT) into the arena as `slot`'s value;
   *  `from`: where in it the value starts. */
  private keep(slot: i32, length: i32, from: i32): void {
    if (length != ABSENT) {
      const start = this.reserve(length);
      memory.copy(arena.ptr + <usize>start, valuePtr() + <usize>from, <usize>length);
      unchecked(this.starts[slot] = start);
    }
    unchecked(this.lengths[slot] = length);
    releaseValue();
  }

  /** keep() for `:authority` (`length` bytes, or ABSENT): the host without its port, as the host
   *  source means in every filter (`[::1]:8080` is `::1`). */
  private keepHost(slot: i32, length: i32): void {
    if (length == ABSENT) return this.keep(slot, length, 0);
    const host = hostSpanOf(valuePtr(), length);
    this.keep(slot, host.end - host.start, host.start);
  }

  /** Makes `slot`'s value the bytes [from, to) of slot `base`'s value. */
  private alias(slot: i32, base: i32, from: i32, to: i32): void {
    unchecked(this.starts[slot] = unchecked(this.starts[base]) + from);
    unchecked(this.lengths[slot] = to - from);
  }

  private absent(slot: i32): void {
    unchecked(this.lengths[slot] = ABSENT);
  }

  private fillCookie(slot: i32, name: string): void {
    const n = this.slot(COOKIE_SLOT);
    const found = n == ABSENT ? NOT_FOUND : findCookie(this.slotPtr(COOKIE_SLOT), n, name);
    if (found == NOT_FOUND) this.absent(slot);
    else this.alias(slot, COOKIE_SLOT, spanStart(found), spanEnd(found));
  }

  private fillPath(slot: i32): void {
    const n = this.slot(PATH_SLOT);
    if (n == ABSENT) this.absent(slot);
    else this.alias(slot, PATH_SLOT, 0, pathLength(this.slotPtr(PATH_SLOT), n));
  }

  /** A query parameter: a range of `:path`, or its percent-decoded copy. */
  private fillQuery(slot: i32, name: string): void {
    const n = this.slot(PATH_SLOT);
    const found = n == ABSENT ? NOT_FOUND : findQueryParam(this.slotPtr(PATH_SLOT), n, name);
    const from = spanStart(found);
    const to = spanEnd(found);
    if (found == NOT_FOUND) {
      this.absent(slot);
    } else if (isPlain(this.slotPtr(PATH_SLOT), from, to)) {
      this.alias(slot, PATH_SLOT, from, to);
    } else {
      const start = this.reserve(to - from);
      const length = percentDecode(this.slotPtr(PATH_SLOT), from, to, arena.ptr + <usize>start);
      this.used = start + length;
      unchecked(this.starts[slot] = start);
      unchecked(this.lengths[slot] = length);
    }
  }

  private slotPtr(slot: i32): usize {
    return arena.ptr + <usize>unchecked(this.starts[slot]);
  }

  /** Room for `length` more bytes in the arena: their offset. */
  private reserve(length: i32): i32 {
    const start = this.used;
    arena.ensure(start + length);
    this.used = start + length;
    return start;
  }
}
