// In-memory FileSystem for unit tests. Errors are built with io::ErrnoStatus from the errno
// Linux would return, so callers see the same codes and messages as with the POSIX backend.
#include "tests/support/mem_file_system.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_format.h"
#include "io/errno_status.h"

namespace tidemark::testing {

struct MemNode {
  MemNode(bool is_dir, uint32_t mode) : is_dir(is_dir), mode(mode) {}
  const bool is_dir;
  const uint32_t mode;
  absl::Mutex mu;
  std::vector<uint8_t> data ABSL_GUARDED_BY(mu);
};

namespace {

using io::ErrnoStatus;

// "a//b/" -> "a/b", "./a" -> "a", "" -> ".", "///" -> "/".
std::string Normalize(std::string_view path) {
  std::string out = !path.empty() && path[0] == '/' ? "/" : "";
  while (!path.empty()) {
    size_t slash = path.find('/');
    std::string_view part = path.substr(0, slash);
    path = slash == std::string_view::npos ? "" : path.substr(slash + 1);
    if (part.empty() || part == ".") continue;
    if (!out.empty() && out.back() != '/') out += '/';
    out += part;
  }
  return out.empty() ? "." : out;
}

bool IsRoot(const std::string& p) { return p == "/" || p == "."; }

std::string Parent(const std::string& p) {
  if (IsRoot(p)) return p;
  size_t slash = p.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : p.substr(0, slash);
}

std::string BaseName(const std::string& p) {
  size_t slash = p.rfind('/');
  return slash == std::string::npos || IsRoot(p) ? p : p.substr(slash + 1);
}

io::FileInfo InfoOf(std::string name, MemNode& node) {
  absl::MutexLock lock(&node.mu);
  return io::FileInfo{std::move(name),
                      node.is_dir ? io::FileType::kDirectory : io::FileType::kRegular,
                      node.is_dir ? 4096 : node.data.size(), node.mode};
}

class MemRandomAccessFile final : public io::RandomAccessFile {
 public:
  MemRandomAccessFile(std::string path, std::shared_ptr<MemNode> node)
      : path_(std::move(path)), node_(std::move(node)) {}

  const std::string& path() const override { return path_; }

  absl::StatusOr<uint64_t> Size() const override {
    absl::MutexLock lock(&node_->mu);
    return node_->data.size();
  }

  absl::StatusOr<size_t> ReadAt(uint64_t offset, MutableByteSpan buf) override {
    absl::MutexLock lock(&node_->mu);
    const std::vector<uint8_t>& data = node_->data;
    if (offset >= data.size()) return 0;
    size_t n = std::min<uint64_t>(buf.size(), data.size() - offset);
    std::memcpy(buf.data(), data.data() + offset, n);
    return n;
  }

 private:
  const std::string path_;
  const std::shared_ptr<MemNode> node_;
};

class MemWritableFile final : public io::WritableFile {
 public:
  MemWritableFile(std::string path, std::shared_ptr<MemNode> node, uint64_t end)
      : path_(std::move(path)), node_(std::move(node)), end_(end) {}

  const std::string& path() const override { return path_; }
  absl::Status Append(ByteSpan data) override { return WriteAt(end_, data); }

  absl::Status WriteAt(uint64_t offset, ByteSpan data) override {
    if (closed_) return Closed("write");
    absl::MutexLock lock(&node_->mu);
    std::vector<uint8_t>& bytes = node_->data;
    if (bytes.size() < offset + data.size()) bytes.resize(offset + data.size());
    std::copy(data.begin(), data.end(), bytes.begin() + static_cast<ptrdiff_t>(offset));
    end_ = std::max(end_, offset + data.size());
    return absl::OkStatus();
  }

  absl::Status Truncate(uint64_t size) override {
    if (closed_) return Closed("truncate");
    absl::MutexLock lock(&node_->mu);
    node_->data.resize(size);
    end_ = size;
    return absl::OkStatus();
  }

  absl::Status Sync() override { return closed_ ? Closed("sync") : absl::OkStatus(); }

  absl::Status Close() override {
    if (closed_) return Closed("close");
    closed_ = true;
    return absl::OkStatus();
  }

 private:
  absl::Status Closed(std::string_view op) const {
    return absl::FailedPreconditionError(absl::StrFormat("%s '%s': file is closed", op, path_));
  }

  const std::string path_;
  const std::shared_ptr<MemNode> node_;
  uint64_t end_;
  bool closed_ = false;
};

}  // namespace

MemFileSystem::MemFileSystem() {
  absl::MutexLock lock(&mu_);
  nodes_["/"] = std::make_shared<MemNode>(true, 0755);
  nodes_["."] = std::make_shared<MemNode>(true, 0755);
}

std::shared_ptr<MemNode> MemFileSystem::Find(const std::string& path) const {
  auto it = nodes_.find(path);
  return it == nodes_.end() ? nullptr : it->second;
}

bool MemFileSystem::HasChildren(const std::string& dir) const {
  return std::any_of(nodes_.begin(), nodes_.end(),
                     [&](const auto& kv) { return kv.first != dir && Parent(kv.first) == dir; });
}

absl::Status MemFileSystem::CheckParent(const std::string& path, std::string_view op,
                                        std::string_view shown) const {
  std::shared_ptr<MemNode> parent = Find(Parent(path));
  if (parent == nullptr) return ErrnoStatus(ENOENT, op, shown);
  if (!parent->is_dir) return ErrnoStatus(ENOTDIR, op, shown);
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<io::RandomAccessFile>> MemFileSystem::OpenForRead(
    std::string_view path, const io::ReadOptions&) {
  absl::ReaderMutexLock lock(&mu_);
  std::shared_ptr<MemNode> node = Find(Normalize(path));
  if (node == nullptr) return ErrnoStatus(ENOENT, "open", path);
  if (node->is_dir) return ErrnoStatus(EISDIR, "open", path);
  return std::make_unique<MemRandomAccessFile>(std::string(path), std::move(node));
}

absl::StatusOr<std::unique_ptr<io::WritableFile>> MemFileSystem::OpenForWrite(
    std::string_view path, const io::WriteOptions& options) {
  std::string p = Normalize(path);
  absl::MutexLock lock(&mu_);
  std::shared_ptr<MemNode> node = Find(p);
  if (node == nullptr) {
    if (absl::Status s = CheckParent(p, "open", path); !s.ok()) return s;
    node = nodes_[p] = std::make_shared<MemNode>(false, options.mode & 07777);
  } else if (node->is_dir) {
    return ErrnoStatus(EISDIR, "open", path);
  } else if (options.exclusive) {
    return ErrnoStatus(EEXIST, "open", path);
  }
  absl::MutexLock file_lock(&node->mu);
  if (options.truncate) node->data.clear();
  uint64_t end = node->data.size();
  return std::make_unique<MemWritableFile>(std::string(path), std::move(node), end);
}

absl::StatusOr<io::FileInfo> MemFileSystem::Stat(std::string_view path) {
  std::string p = Normalize(path);
  absl::ReaderMutexLock lock(&mu_);
  std::shared_ptr<MemNode> node = Find(p);
  if (node == nullptr) return ErrnoStatus(ENOENT, "stat", path);
  return InfoOf(BaseName(p), *node);
}

absl::StatusOr<std::vector<io::FileInfo>> MemFileSystem::ListDir(std::string_view path) {
  std::string p = Normalize(path);
  absl::ReaderMutexLock lock(&mu_);
  std::shared_ptr<MemNode> dir = Find(p);
  if (dir == nullptr) return ErrnoStatus(ENOENT, "list", path);
  if (!dir->is_dir) return ErrnoStatus(ENOTDIR, "list", path);
  std::vector<io::FileInfo> entries;  // nodes_ is sorted, so entries are too
  for (const auto& [name, node] : nodes_) {
    if (!IsRoot(name) && Parent(name) == p) entries.push_back(InfoOf(BaseName(name), *node));
  }
  return entries;
}

absl::Status MemFileSystem::CreateDir(std::string_view path, uint32_t mode) {
  std::string p = Normalize(path);
  absl::MutexLock lock(&mu_);
  if (Find(p) != nullptr) return ErrnoStatus(EEXIST, "mkdir", path);
  if (absl::Status s = CheckParent(p, "mkdir", path); !s.ok()) return s;
  nodes_[p] = std::make_shared<MemNode>(true, mode & 07777);
  return absl::OkStatus();
}

absl::Status MemFileSystem::RemoveFile(std::string_view path) {
  std::string p = Normalize(path);
  absl::MutexLock lock(&mu_);
  std::shared_ptr<MemNode> node = Find(p);
  if (node == nullptr) return ErrnoStatus(ENOENT, "remove", path);
  if (node->is_dir) return ErrnoStatus(EISDIR, "remove", path);
  nodes_.erase(p);
  return absl::OkStatus();
}

absl::Status MemFileSystem::RemoveDir(std::string_view path) {
  std::string p = Normalize(path);
  absl::MutexLock lock(&mu_);
  std::shared_ptr<MemNode> node = Find(p);
  if (node == nullptr) return ErrnoStatus(ENOENT, "rmdir", path);
  if (!node->is_dir) return ErrnoStatus(ENOTDIR, "rmdir", path);
  if (IsRoot(p)) return ErrnoStatus(EBUSY, "rmdir", path);
  if (HasChildren(p)) return ErrnoStatus(ENOTEMPTY, "rmdir", path);
  nodes_.erase(p);
  return absl::OkStatus();
}

absl::Status MemFileSystem::Rename(std::string_view from, std::string_view to) {
  std::string f = Normalize(from), t = Normalize(to);
  absl::MutexLock lock(&mu_);
  std::shared_ptr<MemNode> src = Find(f);
  if (src == nullptr || IsRoot(f)) return io::ErrnoStatusFromTo(ENOENT, "rename", from, to);
  if (!CheckParent(t, "rename", to).ok()) return io::ErrnoStatusFromTo(ENOENT, "rename", from, to);
  if (f == t) return absl::OkStatus();
  int err = 0;
  if (std::shared_ptr<MemNode> dst = Find(t); dst != nullptr) {
    if (src->is_dir && !dst->is_dir) err = ENOTDIR;
    if (!src->is_dir && dst->is_dir) err = EISDIR;
    if (src->is_dir && dst->is_dir && HasChildren(t)) err = ENOTEMPTY;
  }
  if (t.rfind(f + "/", 0) == 0) err = EINVAL;  // a directory into its own subtree
  if (err != 0) return io::ErrnoStatusFromTo(err, "rename", from, to);
  MoveTree(f, t);
  return absl::OkStatus();
}

// Moves `from` and everything below it to `to`.
void MemFileSystem::MoveTree(const std::string& from, const std::string& to) {
  std::vector<std::string> moved;
  for (const auto& [name, node] : nodes_) {
    if (name == from || name.rfind(from + "/", 0) == 0) moved.push_back(name);
  }
  for (const std::string& name : moved) {
    std::shared_ptr<MemNode> node = std::move(nodes_[name]);
    nodes_.erase(name);
    nodes_[to + name.substr(from.size())] = std::move(node);
  }
}

absl::Status MemFileSystem::SyncDir(std::string_view path) {
  absl::ReaderMutexLock lock(&mu_);
  std::shared_ptr<MemNode> dir = Find(Normalize(path));
  if (dir == nullptr) return ErrnoStatus(ENOENT, "sync", path);
  return absl::OkStatus();
}

}  // namespace tidemark::testing
