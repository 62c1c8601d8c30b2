// jemalloc's settings for the server, read by jemalloc at its first
// allocation (linked only into builds that use jemalloc: src/cli/CMakeLists.txt).
//
// oversize_threshold:0 -- no separate arena for blocks of 8 MiB and more.
// That arena gives its pages back to the kernel as soon as a block is
// freed, so each Kinesis GetRecords answer (about 14 MB) would be faulted
// in afresh: a page fault costs 10-20 us on this kind of virtualized host,
// and GetRecords ran at a third of its rate (docs/benchmarks.md). In the
// ordinary arenas freed pages stay for jemalloc's decay time (10 s) and
// the next answer reuses them warm.
extern "C" {
extern const char* malloc_conf;
const char* malloc_conf = "oversize_threshold:0";
}
