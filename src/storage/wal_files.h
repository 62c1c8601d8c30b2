// The RocksDB file system of a Storage opened with durability `sync`: the
// live WAL file is kept written with zeros a little ahead of its writer.
//
// Why: every committer round ends with an fdatasync of the WAL. Appending
// to a file changes its size, so that fdatasync writes the inode as well
// as the records: on this ext4 (no journal) three serial device requests
// (records, inode, cache flush), each a VM exit on a virtio disk. Records
// written over blocks that already hold zeros leave the size and the block
// map alone: the fdatasync writes the records and flushes (the inode only
// when its coarse mtime ticked, once per 4 ms at most).
//
// How: a WAL starts with plain appends. Once it holds 64 KiB and its
// appends are small (rounds under 64 KiB: the PutItem kind, not Kinesis
// PutRecords), a background thread writes 1 MiB of zeros from the block
// after the records (O_DIRECT, so the writer's fdatasync never waits for
// them), makes them durable with its own fdatasync, and reads them into the
// page cache (a write into an uncached page of a file would first read it);
// the next step starts when the writer comes within one step of the zeroed
// end. The writer waits only if it would write where zeros are being
// written (the append that starts the first step, unless it fits in the
// last block), and a file whose writer overtook the zeros is appended to
// plainly from then on, so nothing ever writes zeros over a record.
//
// Recovery reads the zeros after the last record as RocksDB's own
// preallocated space (a zero-length record of type zero: skipped, not a
// corruption) under kPointInTimeRecovery, and a closed WAL is truncated to
// its records. Nothing acknowledged depends on metadata the writer's
// fdatasync skipped: the file's size and block map covering the zeros were
// made durable before the writer could write there.
#pragma once

#include <memory>

namespace rocksdb {
class FileSystem;
}

namespace nimbus::storage {

// `base` with WAL files (NNNNNN.log) zero-filled ahead of their writer.
std::shared_ptr<rocksdb::FileSystem> zeroed_wal_file_system(
    std::shared_ptr<rocksdb::FileSystem> base);

}  // namespace nimbus::storage
