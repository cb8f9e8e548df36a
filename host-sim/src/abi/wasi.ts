// The WASI subset as cpp-host implements it (fact sheet §2.1 notes).

import { randomFillSync } from "node:crypto";
import { byteString, concatBytes } from "../codec.js";
import { WASI_IMPORTS } from "./spec.js";
import type { Vm } from "../vm.js";

const Errno = { SUCCESS: 0, BADF: 8, INVAL: 28, NOENT: 44, NOSYS: 52, NOTSUP: 58 } as const;
const LOG_INFO = 2;
const LOG_ERROR = 4;
const RANDOM_MAX = 65536;

export function wasiImports(vm: Vm): Record<string, (...args: never[]) => number | void> {
  const m = () => vm.memory;
  const envBytes = () => Object.entries(vm.plugin.env).map(([k, v]) => Buffer.from(`${k}=${v}\0`, "utf8"));
  const impl: Record<string, (...args: never[]) => number | void> = {
    fd_write(fd: number, iovs: number, iovsLen: number, nwrittenPtr: number): number {
      if (fd !== 1 && fd !== 2) return Errno.BADF;
      let data: Uint8Array = new Uint8Array(0);
      for (let i = 0; i < iovsLen; i++) {
        const ptr = m().readU32(iovs + i * 8);
        const len = m().readU32(iovs + i * 8 + 4);
        data = concatBytes(data, m().read(ptr, len));
      }
      m().writeU32(nwrittenPtr, data.length);
      let text = byteString(data);
      if (text.endsWith("\n")) text = text.slice(0, -1);
      if (data.length > 0) vm.log(fd === 1 ? LOG_INFO : LOG_ERROR, text);
      return Errno.SUCCESS;
    },
    fd_read: () => Errno.NOSYS,
    fd_pread: () => Errno.NOSYS,
    fd_fdstat_set_flags: () => Errno.NOSYS,
    fd_prestat_dir_name: () => Errno.NOSYS,
    fd_prestat_get: () => Errno.BADF,
    fd_filestat_get: () => Errno.BADF,
    path_open: () => Errno.NOENT,
    fd_seek(): number {
      vm.log(LOG_ERROR, "wasi_unstable fd_seek");
      return Errno.SUCCESS;
    },
    fd_close(): number {
      vm.log(LOG_ERROR, "wasi_unstable fd_close");
      return Errno.SUCCESS;
    },
    fd_fdstat_get(fd: number, statPtr: number): number {
      if (fd !== 1 && fd !== 2) return Errno.BADF;
      const stat = new Uint8Array(24);
      stat[0] = 2; // character device
      m().write(statPtr, stat);
      return Errno.SUCCESS;
    },
    environ_sizes_get(countPtr: number, sizePtr: number): number {
      const env = envBytes();
      m().writeU32(countPtr, env.length);
      m().writeU32(sizePtr, env.reduce((n, b) => n + b.length, 0));
      return Errno.SUCCESS;
    },
    environ_get(ptrsPtr: number, bufPtr: number): number {
      let p = bufPtr;
      envBytes().forEach((b, i) => {
        m().writeU32(ptrsPtr + i * 4, p);
        m().write(p, b);
        p += b.length;
      });
      return Errno.SUCCESS;
    },
    args_sizes_get(countPtr: number, sizePtr: number): number {
      m().writeU32(countPtr, 0);
      m().writeU32(sizePtr, 0);
      return Errno.SUCCESS;
    },
    args_get: () => Errno.SUCCESS,
    clock_time_get(id: number, _precision: bigint, retPtr: number): number {
      const proxy = vm.proxy;
      if (id === 0) m().writeU64(retPtr, BigInt(proxy.now()) * 1_000_000n);
      else if (id === 1) m().writeU64(retPtr, BigInt(proxy.now() - proxy.clock.startMs) * 1_000_000n);
      else return Errno.NOTSUP;
      return Errno.SUCCESS;
    },
    clock_res_get(_id: number, retPtr: number): number {
      m().writeU64(retPtr, 1n);
      return Errno.SUCCESS;
    },
    random_get(ptr: number, len: number): number {
      if (len >>> 0 > RANDOM_MAX) return Errno.INVAL;
      if (len === 0) return Errno.SUCCESS;
      m().write(ptr, randomFillSync(new Uint8Array(len)));
      return Errno.SUCCESS;
    },
    poll_oneoff(_in: number, _out: number, _n: number, neventsPtr: number): number {
      m().writeU32(neventsPtr, 0);
      return Errno.SUCCESS;
    },
    proc_exit(): void {
      vm.log(LOG_ERROR, "wasi_unstable proc_exit");
    },
    sched_yield: () => Errno.SUCCESS,
  };
  for (const name of Object.keys(WASI_IMPORTS)) impl[name] ??= () => Errno.NOSYS;
  return impl;
}
