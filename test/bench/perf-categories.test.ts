import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sampleCategory } from '../../bench/perf.ts';

/**
 * `BENCH_PERF` files each sample of `perf script` (its frames, innermost first) under where the
 * time went. The frames below are as `perf script` prints them for a Node process run with
 * `--perf-basic-prof`.
 */

const entry = [
  'c4993d v8::internal::(anonymous namespace)::Invoke+0x58d (/usr/bin/node)',
  'uv__io_poll+0x4a1 (/usr/bin/node)',
  'uv_run+0x1b4 (/usr/bin/node)',
];

describe('perf samples by where the time went', () => {
  test("the kernel's work is split by what asked for it", () => {
    const write = [
      'ffffffff8a3c1e0 pvm_irq_enable+0x19 ([kernel.kallsyms])',
      'ffffffff8a9d1a2 tcp_sendmsg_locked+0x2b2 ([kernel.kallsyms])',
      'ffffffff8a4b2c1 do_writev+0x71 ([kernel.kallsyms])',
      '11f3c4d __GI___writev+0x4d (/usr/lib/x86_64-linux-gnu/libc.so.6)',
      '7f652414dcbb JS:*clearBuffer node:internal/streams/writable:744:21+0x1c (/tmp/perf-1.map)',
      // An answer is written from within the callback of the socket's read: still a write.
      '1 uv__read+0x1 (/usr/bin/node)',
      ...entry,
    ];
    assert.equal(sampleCategory(write), 'kernel: socket writes');
    const log = [
      'ffffffff8a3c1e0 ext4_da_write_begin+0x19 ([kernel.kallsyms])',
      '11f3c4d __libc_pwrite+0x4d (/usr/lib/x86_64-linux-gnu/libc.so.6)',
      '7f1 walWriteOneFrame.isra.0+0x51 (/work/openfc/node_modules/better-sqlite3/build/Release/better_sqlite3.node)',
      '7f2 Statement::JS_run+0x1a (/work/openfc/node_modules/better-sqlite3/build/Release/better_sqlite3.node)',
      ...entry,
    ];
    assert.equal(sampleCategory(log), 'kernel: for SQLite (file locks, log writes)');
    const read = [
      'ffffffff8a9 tcp_recvmsg+0x1 ([kernel.kallsyms])',
      '1 uv__read+0x1 (/usr/bin/node)',
      ...entry,
    ];
    assert.equal(sampleCategory(read), 'kernel: socket reads');
    assert.equal(
      sampleCategory(['ffffffff8a9 schedule+0x1 ([kernel.kallsyms])']),
      'kernel: other (scheduling, interrupts, timers)',
    );
  });

  test("SQLite's code, V8's threads, then the nearest JavaScript frame's package or folder", () => {
    const sqlite = [
      '7f1 sqlite3VdbeExec+0x51 (/work/openfc/node_modules/better-sqlite3/build/Release/better_sqlite3.node)',
      '7f2 JS:* file:///work/openfc/src/store/sqlite-statements.ts:1:467+0xa5 (/tmp/perf-1.map)',
    ];
    assert.equal(sampleCategory(sqlite), 'SQLite (better-sqlite3)');
    assert.equal(
      sampleCategory(['c1 v8::internal::compiler::GraphReducer::ReduceTop+0x1 (/usr/bin/node)']),
      'V8 compiler',
    );
    assert.equal(
      sampleCategory([
        'c1 v8::internal::Scavenger::ScavengeObject+0x1 (/usr/bin/node)',
        'c2 v8::internal::Heap::CollectGarbage+0x1 (/usr/bin/node)',
        '7f2 JS:*toRow file:///work/openfc/src/domain/request-logs/log.ts:1:777+0x6c4 (/tmp/perf-1.map)',
      ]),
      'V8 garbage collector',
    );
    // A builtin has no JavaScript name: the frame that called it decides.
    const route = [
      '15d5282 Builtins_RegExpPrototypeTestFast+0x282 (/usr/bin/node)',
      '7f2 JS:*handle file:///work/openfc/src/api/financial-connections/accounts.ts:1:1280+0x70f (/tmp/perf-1.map)',
      '7f3 JS:*routeHandler /work/openfc/node_modules/fastify/lib/route.js:465:25+0x1 (/tmp/perf-1.map)',
    ];
    assert.equal(sampleCategory(route), 'openfc src/api');
    assert.equal(sampleCategory(route.slice(2)), 'fastify');
    assert.equal(
      sampleCategory([
        '7f3 JS:*request /work/openfc/node_modules/@fastify/busboy/lib/x.js:1:1+0x1 (/tmp/perf-1.map)',
      ]),
      '@fastify/busboy',
    );
    assert.equal(
      sampleCategory(['7f2 JS:*end node:_http_outgoing:1034:45+0x1 (/tmp/perf-1.map)']),
      'node:_http_outgoing',
    );
    assert.equal(sampleCategory(entry), 'Node.js and V8, no JavaScript frame (event loop, parser, builtins)');
  });
});
