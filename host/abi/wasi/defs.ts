// WASI preview 1 constants and layouts (from wasi-libc's wasi/api.h, the witx-generated reference).

export const ERRNO = {
  SUCCESS: 0,
  BADF: 8,
  FAULT: 21,
  INVAL: 28,
  IO: 29,
  NOSYS: 52,
  NOTDIR: 54,
  NOTSOCK: 57,
  NOTSUP: 58,
  SPIPE: 70,
  NOTCAPABLE: 76,
} as const;

/**
 * Most iovecs one fd_write or fd_read takes (wasi-libc's IOV_MAX, as on Linux); past it the call answers EINVAL,
 * as writev(2) does, before anything is read.
 */
export const IOV_MAX = 1024;

export const CLOCK = { REALTIME: 0, MONOTONIC: 1, PROCESS_CPUTIME: 2, THREAD_CPUTIME: 3 } as const;

export const FILETYPE_UNKNOWN = 0;

export const EVENTTYPE = { CLOCK: 0, FD_READ: 1, FD_WRITE: 2 } as const;
export const SUBCLOCKFLAGS_ABSTIME = 1;

/** Rights bits (preview 1 numbering). */
export const RIGHTS = {
  FD_READ: 1n << 1n,
  FD_WRITE: 1n << 6n,
  POLL_FD_READWRITE: 1n << 27n,
} as const;

/** Byte sizes and offsets of the structs the host reads or writes. */
export const LAYOUT = {
  IOVEC_SIZE: 8,
  FDSTAT_SIZE: 24,
  FILESTAT_SIZE: 64,
  SUBSCRIPTION_SIZE: 48,
  EVENT_SIZE: 32,
} as const;

/**
 * Every function of `wasi_snapshot_preview1` (witx: 45 in wasi-libc's api.h, plus the older `proc_raise`).
 * A module may import any of them; those the host does not implement answer with an errno.
 */
export const PREVIEW1_FUNCTIONS = [
  'args_get', 'args_sizes_get', 'environ_get', 'environ_sizes_get',
  'clock_res_get', 'clock_time_get',
  'fd_advise', 'fd_allocate', 'fd_close', 'fd_datasync', 'fd_fdstat_get', 'fd_fdstat_set_flags',
  'fd_fdstat_set_rights', 'fd_filestat_get', 'fd_filestat_set_size', 'fd_filestat_set_times', 'fd_pread',
  'fd_prestat_get', 'fd_prestat_dir_name', 'fd_pwrite', 'fd_read', 'fd_readdir', 'fd_renumber', 'fd_seek',
  'fd_sync', 'fd_tell', 'fd_write',
  'path_create_directory', 'path_filestat_get', 'path_filestat_set_times', 'path_link', 'path_open',
  'path_readlink', 'path_remove_directory', 'path_rename', 'path_symlink', 'path_unlink_file',
  'poll_oneoff', 'proc_exit', 'proc_raise', 'sched_yield', 'random_get',
  'sock_accept', 'sock_recv', 'sock_send', 'sock_shutdown',
] as const;

export type Preview1Name = (typeof PREVIEW1_FUNCTIONS)[number];
