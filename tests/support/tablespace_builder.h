// Builds small synthetic tablespace images in memory for unit tests: page 0 with an FSP
// header and extent descriptors, index/undo/typed pages, LSNs, free bits and crypt data,
// each page signed with the checksum scheme its flags select.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "innodb/base/endian.h"

namespace tidemark::testing {

class TablespaceBuilder {
 public:
  // flags: FSP_SPACE_FLAGS (e.g. 0x15 full_crc32 16K, 0x21 classic DYNAMIC, 0x29 zip 8K).
  TablespaceBuilder(uint32_t flags, uint32_t space_id, uint32_t n_pages);

  TablespaceBuilder& Index(uint32_t page_no, uint64_t index_id, uint16_t level, uint16_t n_recs,
                           uint16_t heap_top, uint16_t garbage = 0, bool compact = true);
  TablespaceBuilder& Undo(uint32_t page_no, uint16_t segment_state);
  TablespaceBuilder& Typed(uint32_t page_no, uint16_t type);
  TablespaceBuilder& Lsn(uint32_t page_no, uint64_t lsn);
  // Marks page_no free in the extent descriptor on page 0 (page_no < physical size).
  TablespaceBuilder& MarkFree(uint32_t page_no);
  // Writes MariaDB crypt data (scheme 1, key id) onto page 0.
  TablespaceBuilder& Encrypted(uint32_t key_id);

  uint32_t physical_page_size() const { return physical_; }
  uint32_t logical_page_size() const { return logical_; }
  std::vector<uint8_t> Build() const;

  // Recomputes the checksum of one page of a tablespace with these `flags`.
  static void Sign(MutableByteSpan page, uint32_t flags);

 private:
  MutableByteSpan PageAt(uint32_t page_no);
  void InitPage(uint32_t page_no, uint16_t type);

  uint32_t flags_, space_id_, n_pages_;
  uint32_t logical_, physical_;
  std::vector<uint8_t> image_;
  std::map<uint32_t, bool> written_;
};

}  // namespace tidemark::testing
