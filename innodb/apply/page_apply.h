// Applying redo records to one page: the per-page half of crash recovery and of prepare
// (log_phys_t::apply and recv_recover_page in log0recv.cc, MariaDB 10.11;
// INNODB_FORMATS.md §3.4-3.7, §4 step 7). Pure format code: frames in, frames out.
#pragma once

#include <cstdint>
#include <span>

#include "absl/status/status.h"
#include "innodb/base/endian.h"
#include "innodb/base/types.h"
#include "innodb/redo/record.h"

namespace tidemark::innodb {

// How the pages of one tablespace are laid out, as far as applying and writing them back
// is concerned.
struct ApplySpaceFormat {
  // physical() is the frame size. ROW_FORMAT=COMPRESSED: records apply to the compressed
  // image of physical() bytes; EXTENDED records are rejected on such pages.
  PageSize page_size;
  // The tablespace's FSP flags use the full_crc32 layout (checksum and LSN placement).
  bool full_crc32 = false;
};

// One page record as stored for applying: the type byte as written and the payload after
// the page id (RedoRecord::type_byte and ::payload). Bits 6..4 are the type; bit 7 is the
// same_page flag, which matters: a record with a page id restarts the byte-offset chaining
// (last_offset = 0), a same_page one continues it. The length nibble is ignored.
struct PageRecordRef {
  uint8_t type_byte = 0;
  ByteSpan payload;
};

// Applies, in log order, the records one mini-transaction wrote for page `id`, to `frame`
// (page_size.physical() bytes): WRITE, MEMSET, MEMMOVE with the last_offset chaining,
// INIT_PAGE, FREE_PAGE, OPTION (OPT_PAGE_CHECKSUM verified; other options ignored, as
// recovery does not store them), and every EXTENDED subtype except TRIM_PAGES (a
// tablespace-level record the caller handles). The first record must carry a page id;
// after FREE_PAGE only INIT_PAGE (or OPTION) may follow. FIL_PAGE_LSN is not touched: see
// StampPageLsn. A page whose records end with FREE_PAGE is not written back by the server
// (recv_recover_page); telling that from the records is the caller's job.
// Errors, with N the 0-based index in `records` and TYPE e.g. "WRITE" or
// "EXTENDED UNDO_APPEND": DataLoss "record N (TYPE): reason" when a record is malformed or a
// logical apply finds the page inconsistent; Internal "record N (EXTENDED TRIM_PAGES): ..."
// for TRIM_PAGES; other codes of the index-page functions (index_page_apply.h) are kept.
// `frame` may then be partly modified and must not be written back.
absl::Status ApplyMtrToPage(const ApplySpaceFormat& format, RedoPageId id,
                            std::span<const PageRecordRef> records, MutableByteSpan frame);

// What recovery does after applying the mtrs of a page (recv_recover_page): FIL_PAGE_LSN =
// lsn (the end LSN of the last mtr applied) and, for uncompressed pages of either checksum
// layout, the same 8 bytes at [size-8, size); SealPageForWrite then rewrites that trailer
// as the scheme wants. ROW_FORMAT=COMPRESSED images have no trailer.
void StampPageLsn(const ApplySpaceFormat& format, Lsn lsn, MutableByteSpan frame);

// What the server does to a page just before writing it (buf_flush_init_for_writing and
// buf_flush_assign_full_crc32_checksum): the checksum of the tablespace's scheme, and the
// cosmetic repairs 10.11 makes, so that the bytes equal what recovery writes.
// full_crc32: LSN low word at [size-8), CRC-32C at [size-4). Classic: FIL_PAGE_LSN copied to
// [size-8), then, with 16 KiB pages, the FIL_PAGE_TYPE repair for pre-5.5 garbage (page
// number and space id are read from the frame, which recovery keeps equal to the page id),
// then crc32 at [0) and [size-8). ROW_FORMAT=COMPRESSED: the zip crc32 at [0) only.
void SealPageForWrite(const ApplySpaceFormat& format, MutableByteSpan frame);

}  // namespace tidemark::innodb
