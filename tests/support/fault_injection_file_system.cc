// Fault injection over any FileSystem. Faults are matched and consumed under one mutex; the
// base file system is only called with the mutex released, since a fault (a region change, a
// removal before open) is itself an operation on the base.
#include "tests/support/fault_injection_file_system.h"

#include <fnmatch.h>

#include <algorithm>

#include "gtest/gtest.h"
#include "innodb/base/status.h"
#include "io/errno_status.h"

namespace tidemark::testing {
namespace {

bool Matches(const std::string& pattern, std::string_view path) {
  return ::fnmatch(pattern.c_str(), std::string(path).c_str(), 0) == 0;
}

bool Overlaps(uint64_t a, uint64_t a_len, uint64_t b, uint64_t b_len) {
  return a < b + b_len && b < a + a_len;
}

std::string_view OpName(FsOp op) {
  switch (op) {
    case FsOp::kOpenRead:
    case FsOp::kOpenWrite:
      return "open";
    case FsOp::kRead:
      return "read";
    case FsOp::kWrite:
      return "write";
    case FsOp::kSync:
    case FsOp::kSyncDir:
      return "sync";
    case FsOp::kClose:
      return "close";
    case FsOp::kStat:
      return "stat";
    case FsOp::kList:
      return "list";
    case FsOp::kMkdir:
      return "mkdir";
    case FsOp::kRemove:
      return "remove";
    case FsOp::kRmdir:
      return "rmdir";
    case FsOp::kRename:
      return "rename";
  }
  return "?";
}

}  // namespace

class FaultInjectionReadFile final : public io::RandomAccessFile {
 public:
  FaultInjectionReadFile(FaultInjectionFileSystem& fs, std::unique_ptr<io::RandomAccessFile> base)
      : fs_(fs), base_(std::move(base)) {}

  const std::string& path() const override { return base_->path(); }
  bool is_direct() const override { return base_->is_direct(); }
  absl::StatusOr<uint64_t> Size() const override { return base_->Size(); }

  // ReadBatch and NewAsyncReader keep the defaults, so every read comes through here.
  absl::StatusOr<size_t> ReadAt(uint64_t offset, MutableByteSpan buf) override {
    TM_RETURN_IF_ERROR(fs_.Check(FsOp::kRead, path(), offset));
    TM_ASSIGN_OR_RETURN(size_t n, base_->ReadAt(offset, buf));
    return fs_.AfterRead(path(), offset, buf, n);
  }

 private:
  FaultInjectionFileSystem& fs_;
  const std::unique_ptr<io::RandomAccessFile> base_;
};

class FaultInjectionWriteFile final : public io::WritableFile {
 public:
  FaultInjectionWriteFile(FaultInjectionFileSystem& fs, std::unique_ptr<io::WritableFile> base,
                          uint64_t end)
      : fs_(fs), base_(std::move(base)), end_(end) {}

  const std::string& path() const override { return base_->path(); }
  absl::Status Append(ByteSpan data) override { return WriteAt(end_, data); }

  absl::Status WriteAt(uint64_t offset, ByteSpan data) override {
    TM_RETURN_IF_ERROR(fs_.Check(FsOp::kWrite, path(), offset));
    int err = 0;
    size_t allowed = fs_.AllowWrite(data.size(), &err);
    TM_RETURN_IF_ERROR(base_->WriteAt(offset, data.first(allowed)));
    end_ = std::max(end_, offset + allowed);
    if (err != 0) return io::ErrnoStatusAt(err, "write", path(), offset + allowed);
    return absl::OkStatus();
  }

  absl::Status Truncate(uint64_t size) override {
    TM_RETURN_IF_ERROR(fs_.Check(FsOp::kWrite, path(), size));
    TM_RETURN_IF_ERROR(base_->Truncate(size));
    end_ = size;
    return absl::OkStatus();
  }

  absl::Status Sync() override {
    TM_RETURN_IF_ERROR(fs_.Check(FsOp::kSync, path()));
    return base_->Sync();
  }

  absl::Status Close() override {
    absl::Status injected = fs_.Check(FsOp::kClose, path());
    absl::Status closed = base_->Close();  // closed either way, as close(2) does
    return injected.ok() ? closed : injected;
  }

 private:
  FaultInjectionFileSystem& fs_;
  const std::unique_ptr<io::WritableFile> base_;
  uint64_t end_;
};

void FaultInjectionFileSystem::FailNth(FsOp op, int n, int err) {
  absl::MutexLock lock(&mu_);
  nth_[{op, n}] = err;
}

void FaultInjectionFileSystem::FailPath(FsOp op, std::string pattern, int err) {
  absl::MutexLock lock(&mu_);
  path_faults_.push_back({op, std::move(pattern), err});
}

void FaultInjectionFileSystem::ShortReads(std::string pattern, size_t max_bytes) {
  absl::MutexLock lock(&mu_);
  short_reads_.emplace_back(std::move(pattern), max_bytes);
}

void FaultInjectionFileSystem::FailWritesAfter(uint64_t budget, int err) {
  absl::MutexLock lock(&mu_);
  write_budget_ = budget;
  write_budget_err_ = err;
}

void FaultInjectionFileSystem::TearPageOnce(std::string pattern, uint64_t offset,
                                            std::vector<uint8_t> old_page) {
  absl::MutexLock lock(&mu_);
  tears_.push_back({std::move(pattern), offset, std::move(old_page)});
}

void FaultInjectionFileSystem::ChangeAfterRead(std::string pattern, uint64_t offset,
                                               std::vector<uint8_t> bytes) {
  absl::MutexLock lock(&mu_);
  changes_.push_back({std::move(pattern), offset, std::move(bytes)});
}

void FaultInjectionFileSystem::RemoveBeforeOpen(std::string pattern) {
  absl::MutexLock lock(&mu_);
  remove_before_open_.push_back(std::move(pattern));
}

void FaultInjectionFileSystem::TruncateBeforeOpen(std::string pattern, uint64_t size) {
  absl::MutexLock lock(&mu_);
  truncate_before_open_.emplace_back(std::move(pattern), size);
}

void FaultInjectionFileSystem::Reset() {
  absl::MutexLock lock(&mu_);
  counts_.clear();
  nth_.clear();
  path_faults_.clear();
  short_reads_.clear();
  write_budget_.reset();
  tears_.clear();
  changes_.clear();
  remove_before_open_.clear();
  truncate_before_open_.clear();
}

int FaultInjectionFileSystem::count(FsOp op) const {
  absl::MutexLock lock(&mu_);
  auto it = counts_.find(op);
  return it == counts_.end() ? 0 : it->second;
}

absl::Status FaultInjectionFileSystem::Check(FsOp op, std::string_view path,
                                             std::optional<uint64_t> offset, std::string_view to) {
  int err = 0;
  {
    absl::MutexLock lock(&mu_);
    int n = ++counts_[op];
    if (auto it = nth_.find({op, n}); it != nth_.end()) {
      err = it->second;
      nth_.erase(it);
    }
    for (const PathFault& f : path_faults_) {
      if (err == 0 && f.op == op && Matches(f.pattern, path)) err = f.err;
    }
  }
  if (err == 0) return absl::OkStatus();
  if (op == FsOp::kRename) return io::ErrnoStatusFromTo(err, OpName(op), path, to);
  if (offset.has_value()) return io::ErrnoStatusAt(err, OpName(op), path, *offset);
  return io::ErrnoStatus(err, OpName(op), path);
}

size_t FaultInjectionFileSystem::AfterRead(std::string_view path, uint64_t offset,
                                           MutableByteSpan buf, size_t n) {
  std::optional<PageRule> change;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [pattern, max_bytes] : short_reads_) {
      if (Matches(pattern, path)) n = std::min(n, max_bytes);
    }
    ApplyTear(path, offset, buf, n);
    change = TakeChange(path, offset, n);
  }
  if (change.has_value()) {
    absl::Status s = [&]() -> absl::Status {
      TM_ASSIGN_OR_RETURN(auto file, base_.OpenForWrite(path, {.truncate = false}));
      TM_RETURN_IF_ERROR(file->WriteAt(change->offset, change->bytes));
      return file->Close();
    }();
    if (!s.ok()) ADD_FAILURE() << "ChangeAfterRead could not write the base: " << s;
  }
  return n;
}

// Overwrites the second half of the first matching page the read overlaps with its old image.
void FaultInjectionFileSystem::ApplyTear(std::string_view path, uint64_t offset,
                                         MutableByteSpan buf, size_t n) {
  for (auto it = tears_.begin(); it != tears_.end(); ++it) {
    uint64_t page = it->offset, page_end = page + it->bytes.size();
    if (!Matches(it->pattern, path) || !Overlaps(offset, n, page, it->bytes.size())) continue;
    uint64_t from = std::max(offset, page + it->bytes.size() / 2);
    for (uint64_t pos = from; pos < std::min(offset + n, page_end); ++pos) {
      buf[pos - offset] = it->bytes[pos - page];
    }
    tears_.erase(it);
    return;
  }
}

std::optional<FaultInjectionFileSystem::PageRule> FaultInjectionFileSystem::TakeChange(
    std::string_view path, uint64_t offset, size_t n) {
  for (auto it = changes_.begin(); it != changes_.end(); ++it) {
    if (!Matches(it->pattern, path) || !Overlaps(offset, n, it->offset, it->bytes.size())) {
      continue;
    }
    PageRule rule = std::move(*it);
    changes_.erase(it);
    return rule;
  }
  return std::nullopt;
}

size_t FaultInjectionFileSystem::AllowWrite(size_t size, int* err) {
  absl::MutexLock lock(&mu_);
  if (!write_budget_.has_value()) return size;
  size_t allowed = std::min<uint64_t>(size, *write_budget_);
  *write_budget_ -= allowed;
  if (allowed < size) *err = write_budget_err_;
  return allowed;
}

// Applies RemoveBeforeOpen and TruncateBeforeOpen to `path` (each at most once).
absl::Status FaultInjectionFileSystem::PrepareOpen(std::string_view path) {
  bool remove = false;
  std::optional<uint64_t> truncate;
  {
    absl::MutexLock lock(&mu_);
    auto r = std::find_if(remove_before_open_.begin(), remove_before_open_.end(),
                          [&](const std::string& p) { return Matches(p, path); });
    if ((remove = r != remove_before_open_.end())) remove_before_open_.erase(r);
    auto t = std::find_if(truncate_before_open_.begin(), truncate_before_open_.end(),
                          [&](const auto& rule) { return Matches(rule.first, path); });
    if (t != truncate_before_open_.end()) {
      truncate = t->second;
      truncate_before_open_.erase(t);
    }
  }
  if (remove) TM_RETURN_IF_ERROR(base_.RemoveFile(path));
  if (!truncate.has_value()) return absl::OkStatus();
  TM_ASSIGN_OR_RETURN(std::string contents, io::ReadFileToString(base_, path));
  contents.resize(std::min<uint64_t>(contents.size(), *truncate));
  return io::WriteStringToFile(base_, path, contents);
}

absl::StatusOr<std::unique_ptr<io::RandomAccessFile>> FaultInjectionFileSystem::OpenForRead(
    std::string_view path, const io::ReadOptions& options) {
  TM_RETURN_IF_ERROR(Check(FsOp::kOpenRead, path));
  TM_RETURN_IF_ERROR(PrepareOpen(path));
  TM_ASSIGN_OR_RETURN(std::unique_ptr<io::RandomAccessFile> file, base_.OpenForRead(path, options));
  return std::make_unique<FaultInjectionReadFile>(*this, std::move(file));
}

absl::StatusOr<std::unique_ptr<io::WritableFile>> FaultInjectionFileSystem::OpenForWrite(
    std::string_view path, const io::WriteOptions& options) {
  TM_RETURN_IF_ERROR(Check(FsOp::kOpenWrite, path));
  TM_ASSIGN_OR_RETURN(std::unique_ptr<io::WritableFile> file, base_.OpenForWrite(path, options));
  uint64_t end = 0;
  if (!options.truncate) {
    TM_ASSIGN_OR_RETURN(io::FileInfo info, base_.Stat(path));
    end = info.size;
  }
  return std::make_unique<FaultInjectionWriteFile>(*this, std::move(file), end);
}

absl::StatusOr<io::FileInfo> FaultInjectionFileSystem::Stat(std::string_view path) {
  TM_RETURN_IF_ERROR(Check(FsOp::kStat, path));
  return base_.Stat(path);
}

absl::StatusOr<std::vector<io::FileInfo>> FaultInjectionFileSystem::ListDir(std::string_view path) {
  TM_RETURN_IF_ERROR(Check(FsOp::kList, path));
  return base_.ListDir(path);
}

absl::Status FaultInjectionFileSystem::CreateDir(std::string_view path, uint32_t mode) {
  TM_RETURN_IF_ERROR(Check(FsOp::kMkdir, path));
  return base_.CreateDir(path, mode);
}

absl::Status FaultInjectionFileSystem::RemoveFile(std::string_view path) {
  TM_RETURN_IF_ERROR(Check(FsOp::kRemove, path));
  return base_.RemoveFile(path);
}

absl::Status FaultInjectionFileSystem::RemoveDir(std::string_view path) {
  TM_RETURN_IF_ERROR(Check(FsOp::kRmdir, path));
  return base_.RemoveDir(path);
}

absl::Status FaultInjectionFileSystem::Rename(std::string_view from, std::string_view to) {
  TM_RETURN_IF_ERROR(Check(FsOp::kRename, from, std::nullopt, to));
  return base_.Rename(from, to);
}

absl::Status FaultInjectionFileSystem::SyncFileSystem(std::string_view path) {
  TM_RETURN_IF_ERROR(Check(FsOp::kSyncDir, path));
  return base_.SyncFileSystem(path);
}

absl::Status FaultInjectionFileSystem::SyncDir(std::string_view path) {
  TM_RETURN_IF_ERROR(Check(FsOp::kSyncDir, path));
  return base_.SyncDir(path);
}

}  // namespace tidemark::testing
