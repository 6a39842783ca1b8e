// The logical redo records of index pages: page creation in either row format, and the
// B-tree record inserts and deletes that MariaDB 10.5+ logs as EXTENDED records instead of
// bytes. Ported from the server's algorithms (page_create_low in page0page.cc;
// page_apply_insert_redundant, page_apply_insert_dynamic, page_apply_delete_redundant,
// page_apply_delete_dynamic, page_mem_free, page_dir_split_slot, page_dir_balance_slot in
// page0cur.cc, MariaDB 10.11) so that the resulting bytes are identical: later physical
// records address offsets these produce. INNODB_FORMATS.md §3.7.
//
// Frames are uncompressed index pages of frame.size() bytes (4, 8, 16, 32 or 64 KiB).
// Every function first makes the consistency checks the server makes and returns DataLoss
// naming the failed check without touching the page; the caller adds the page id.
// Two of the server's checks are the caller's, because they need the page id: EXTENDED
// records are refused on pages 0..2 (log_phys_t::apply), and the INSERT/DELETE appliers
// also refuse a page whose FIL_PAGE_OFFSET differs from the page id (page_get_page_no).
#pragma once

#include <cstddef>
#include <cstdint>

#include "absl/status/status.h"
#include "innodb/base/endian.h"

namespace tidemark::innodb {

// INIT_ROW_FORMAT_REDUNDANT (compact = false) / INIT_ROW_FORMAT_DYNAMIC (compact = true).
void ApplyInitRowFormat(MutableByteSpan frame, bool compact);

// INSERT_HEAP_REDUNDANT (reuse = false) / INSERT_REUSE_REDUNDANT (reuse = true). `prev` is
// the predecessor's origin relative to the infimum's; `data` the literal bytes.
absl::Status ApplyInsertRedundant(MutableByteSpan frame, bool reuse, uint32_t prev,
                                  uint32_t enc_hdr, size_t hdr_c, size_t data_c, ByteSpan data);

// INSERT_HEAP_DYNAMIC (reuse = false, shift = 0) / INSERT_REUSE_DYNAMIC (reuse = true).
absl::Status ApplyInsertDynamic(MutableByteSpan frame, bool reuse, uint32_t prev,
                                uint32_t shift, uint32_t enc_hdr_l, size_t hdr_c,
                                size_t data_c, ByteSpan data);

// DELETE_ROW_FORMAT_REDUNDANT.
absl::Status ApplyDeleteRedundant(MutableByteSpan frame, uint32_t prev);

// DELETE_ROW_FORMAT_DYNAMIC.
absl::Status ApplyDeleteDynamic(MutableByteSpan frame, uint32_t prev, size_t hdr_size,
                                size_t data_size);

}  // namespace tidemark::innodb
