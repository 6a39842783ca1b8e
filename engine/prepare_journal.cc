// The page-image journal of prepare and atomic small-file replacement (see the header and
// docs/prepare.md).
#include "engine/prepare_journal.h"

#include <cstring>
#include <map>
#include <memory>

#include "absl/strings/str_format.h"
#include "innodb/base/crc32c.h"
#include "innodb/base/status.h"

namespace tidemark::engine {

namespace {

constexpr std::string_view kMagic = "TMPJRNL1";
constexpr std::string_view kEndMagic = "TMPJEND1";

void Put(std::vector<uint8_t>& out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

void PutBytes(std::vector<uint8_t>& out, std::string_view s) { out.insert(out.end(), s.begin(), s.end()); }

uint64_t Get(ByteSpan b, size_t off, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = v << 8 | b[off + i];
  return v;
}

bool HasMagic(ByteSpan b, size_t off, std::string_view magic) {
  return b.size() >= off + magic.size() && std::memcmp(b.data() + off, magic.data(), magic.size()) == 0;
}

absl::Status Incomplete(std::string_view why) {
  return absl::DataLossError(absl::StrFormat("incomplete journal: %s", why));
}

}  // namespace

std::vector<uint8_t> EncodeJournal(std::span<const JournalPage> pages) {
  std::vector<uint8_t> out;
  PutBytes(out, kMagic);
  for (const JournalPage& p : pages) {
    Put(out, p.path.size(), 2);
    PutBytes(out, p.path);
    Put(out, p.offset, 8);
    Put(out, p.bytes.size(), 4);
    out.insert(out.end(), p.bytes.begin(), p.bytes.end());
  }
  PutBytes(out, kEndMagic);
  Put(out, pages.size(), 4);
  Put(out, Crc32c(out), 4);
  return out;
}

absl::StatusOr<std::vector<JournalPage>> DecodeJournal(ByteSpan b) {
  constexpr size_t kTrailer = 8 + 4 + 4;
  if (!HasMagic(b, 0, kMagic)) return Incomplete("no header");
  if (b.size() < kMagic.size() + kTrailer) return Incomplete("no trailer");
  const size_t crc_at = b.size() - 4;
  if (Get(b, crc_at, 4) != Crc32c(b.first(crc_at))) return Incomplete("checksum mismatch");
  const size_t end_at = b.size() - kTrailer;
  if (!HasMagic(b, end_at, kEndMagic)) return Incomplete("no end marker");
  std::vector<JournalPage> pages;
  size_t pos = kMagic.size();
  while (pos < end_at) {
    if (pos + 2 > end_at) return Incomplete("truncated entry");
    const size_t path_len = Get(b, pos, 2);
    if (pos + 2 + path_len + 12 > end_at) return Incomplete("truncated entry");
    JournalPage p;
    p.path.assign(reinterpret_cast<const char*>(b.data() + pos + 2), path_len);
    pos += 2 + path_len;
    p.offset = Get(b, pos, 8);
    const size_t len = Get(b, pos + 8, 4);
    pos += 12;
    if (pos + len > end_at) return Incomplete("truncated page image");
    p.bytes = b.subspan(pos, len);
    pos += len;
    pages.push_back(std::move(p));
  }
  if (pages.size() != Get(b, end_at + kEndMagic.size(), 4)) return Incomplete("page count mismatch");
  return pages;
}

absl::Status WriteJournal(io::FileSystem& fs, std::string_view target_dir,
                          std::span<const JournalPage> pages) {
  const std::string path = io::JoinPath(target_dir, kPrepareJournalName);
  const std::vector<uint8_t> bytes = EncodeJournal(pages);
  TM_ASSIGN_OR_RETURN(std::unique_ptr<io::WritableFile> f, fs.OpenForWrite(path));
  TM_RETURN_IF_ERROR(f->Append(bytes));
  TM_RETURN_IF_ERROR(f->Sync());
  TM_RETURN_IF_ERROR(f->Close());
  return fs.SyncDir(target_dir);
}

absl::Status WritePagesInPlace(io::FileSystem& fs, std::string_view target_dir,
                               std::span<const JournalPage> pages) {
  std::map<std::string, std::unique_ptr<io::WritableFile>> files;
  for (const JournalPage& p : pages) {
    auto& f = files[p.path];
    if (f == nullptr) {
      TM_ASSIGN_OR_RETURN(f, fs.OpenForWrite(io::JoinPath(target_dir, p.path),
                                             io::WriteOptions{.truncate = false}));
    }
    TM_RETURN_IF_ERROR(f->WriteAt(p.offset, p.bytes));
  }
  for (auto& [path, f] : files) {
    TM_RETURN_IF_ERROR(f->Sync());
    TM_RETURN_IF_ERROR(f->Close());
  }
  return absl::OkStatus();
}

absl::Status RemoveJournal(io::FileSystem& fs, std::string_view target_dir) {
  absl::Status s = fs.RemoveFile(io::JoinPath(target_dir, kPrepareJournalName));
  if (!s.ok() && !absl::IsNotFound(s)) return s;
  return fs.SyncDir(target_dir);
}

absl::StatusOr<JournalRecovery> RecoverJournal(io::FileSystem& fs, std::string_view target_dir) {
  JournalRecovery r;
  const std::string path = io::JoinPath(target_dir, kPrepareJournalName);
  absl::StatusOr<std::string> text = io::ReadFileToString(fs, path);
  if (absl::IsNotFound(text.status())) return r;
  if (!text.ok()) return text.status();
  r.found = true;
  const ByteSpan bytes(reinterpret_cast<const uint8_t*>(text->data()), text->size());
  absl::StatusOr<std::vector<JournalPage>> pages = DecodeJournal(bytes);
  if (pages.ok()) {
    TM_RETURN_IF_ERROR(WritePagesInPlace(fs, target_dir, *pages));
    r.replayed = true;
    r.pages = pages->size();
  } else {
    r.detail = std::string(pages.status().message());
  }
  TM_RETURN_IF_ERROR(RemoveJournal(fs, target_dir));
  return r;
}

absl::Status ReplaceFileAtomically(io::FileSystem& fs, std::string_view dir,
                                   std::string_view name, ByteSpan contents) {
  const std::string final_path = io::JoinPath(dir, name);
  const std::string tmp = final_path + ".tidemark-tmp";
  TM_ASSIGN_OR_RETURN(std::unique_ptr<io::WritableFile> f, fs.OpenForWrite(tmp));
  TM_RETURN_IF_ERROR(f->Append(contents));
  TM_RETURN_IF_ERROR(f->Sync());
  TM_RETURN_IF_ERROR(f->Close());
  TM_RETURN_IF_ERROR(fs.Rename(tmp, final_path));
  return fs.SyncDir(dir);
}

}  // namespace tidemark::engine
