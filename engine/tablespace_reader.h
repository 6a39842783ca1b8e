// Reads a tablespace page by page the way both `inspect` and `backup` need it: page 0 first
// (waiting for a server that is still creating the file), then every page front to back
// with read-ahead (io::FileScanner, io_uring on POSIX files) or only a list of pages in
// batched reads (redo-tracked incrementals), each page judged; a page that
// fails is re-read (a running server may be writing it) and only a failure that is stable
// over re-reads is reported as such. Doublewrite-buffer slots of the system tablespace are
// judged once and marked kSkipped.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/tablespace_finder.h"
#include "innodb/fsp/fsp_header.h"
#include "innodb/page/page_verdict.h"
#include "io/file_system.h"

namespace tidemark::engine {

struct PageReadOptions {
  size_t chunk_bytes = 1 << 20;  // read size: a multiple of every page size and of 4 KiB
  size_t depth = 8;              // reads in flight
  bool direct_io = true;         // O_DIRECT where the file system allows it
  bool drop_cache = false;       // fadvise(DONTNEED) behind the scan when buffered
  int rereads = 3;               // re-reads of a failing page before its verdict stands
  // Called before each patient re-read (and while waiting for page 0), e.g. a short
  // sleep; may be empty. Only the first kPatientPages failing pages of a tablespace wait:
  // later ones get one immediate re-read, so a badly damaged file is judged in seconds.
  std::function<void()> before_reread;
  static constexpr int kPatientPages = 16;
};

// Reads and decodes page 0 of `file`. Errors: DataLoss "not a tablespace: ..." or
// "truncated: ..." when page 0 cannot be read or makes no sense; Unavailable when page 0
// is all zero (not written yet by a server creating the tablespace, or wiped).
absl::StatusOr<innodb::FspHeader> ReadSpaceHeader(io::RandomAccessFile& file);

// True for the error of ReadSpaceHeader (and TablespaceReader::Open) on a file whose page 0
// the server has not written yet: a tablespace being created.
bool IsPage0NotWritten(const absl::Status& status);

// The verdict context of a tablespace whose page 0 decoded to `header`.
innodb::SpaceContext ContextFor(const innodb::FspHeader& header);

// Receives each whole page in page-number order. `page` is valid only during the call.
// A non-OK return stops the read and is returned by ReadPages.
using PageConsumer =
    std::function<absl::Status(uint32_t page_no, ByteSpan page, innodb::PageVerdict verdict)>;

class TablespaceReader {
 public:
  // Opens the tablespace and decodes page 0, waiting up to 100 x before_reread for a page
  // 0 that is still all zero. Errors are annotated "read 'PATH'" (see ReadSpaceHeader).
  static absl::StatusOr<std::unique_ptr<TablespaceReader>> Open(io::FileSystem& fs,
                                                                const TablespaceTarget& target,
                                                                const PageReadOptions& options);

  const innodb::FspHeader& header() const { return header_; }
  const innodb::SpaceContext& context() const { return context_; }

  // Reads every file of the tablespace in order, numbering pages across files, and calls
  // `consumer` for each whole page. A trailing partial page is DataLoss "truncated: ...".
  // Read errors keep their code, prefixed with the file. Call once.
  absl::Status ReadPages(const PageConsumer& consumer);
  // Reads only the pages listed in `pages` (tablespace page numbers, strictly ascending), each
  // judged and re-read exactly as ReadPages does, and calls `consumer` for each in order.
  // Adjacent pages are read together, up to options.chunk_bytes a read and options.depth reads
  // per RandomAccessFile::ReadBatch (io_uring on POSIX files). Files are sized when reached, as
  // in ReadPages; listed pages past the end of the last file are skipped (a file shrinks when
  // an undo tablespace is truncated). For the system tablespace, page 5 (TRX_SYS) and the
  // doublewrite blocks it names are read too, listed or not: redo never names them, and a
  // full read returns them (doublewrite slots are judged kSkipped by both).
  // Errors: InvalidArgument "page 7 listed after page 9 (the list must ascend)"; the reads'
  // errors, prefixed "read 'PATH'"; the consumer's. Call once, instead of ReadPages.
  absl::Status ReadListedPages(std::span<const uint32_t> pages, const PageConsumer& consumer);
  // Bytes read by ReadPages or ReadListedPages so far (including a trailing partial page).
  uint64_t bytes_read() const { return bytes_; }

 private:
  // The doublewrite blocks named by the TRX_SYS page (page 5) of the system tablespace.
  struct Doublewrite {
    uint32_t extent = 0, block1 = 0, block2 = 0;
    bool Contains(uint32_t no) const;
  };

  TablespaceReader(io::FileSystem& fs, TablespaceTarget target, PageReadOptions options,
                   innodb::FspHeader header);
  absl::Status ReadFile(const std::string& path, const PageConsumer& consumer);
  // Reads the listed pages that lie in `path`, whose first page is `first_page`; `pages` is
  // advanced past them. Sets *file_pages to the file's whole pages.
  absl::Status ReadListedInFile(const std::string& path, uint32_t first_page,
                                std::span<const uint32_t>& pages, bool last_file,
                                const PageConsumer& consumer, uint64_t* file_pages);
  innodb::PageVerdict Judge(const std::string& path, uint64_t offset, uint32_t page_no,
                            ByteSpan& page);
  absl::StatusOr<ByteSpan> Reread(const std::string& path, uint64_t offset);
  void LearnDoublewrite(uint32_t page_no, ByteSpan page);

  io::FileSystem& fs_;
  const TablespaceTarget target_;
  const PageReadOptions options_;
  const innodb::FspHeader header_;
  const innodb::SpaceContext context_;
  const uint32_t physical_;
  uint64_t bytes_ = 0;
  uint32_t next_page_ = 0;
  int patient_pages_left_ = PageReadOptions::kPatientPages;
  Doublewrite doublewrite_;
  std::unique_ptr<io::RandomAccessFile> reread_file_;  // buffered: any size and offset
  std::string reread_path_;
  std::vector<uint8_t> reread_buf_;
};

}  // namespace tidemark::engine
