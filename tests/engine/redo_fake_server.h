// Test helpers shared by the redo copier's unit tests: a fake server that writes a small
// circular ib_logfile0 into a MemFileSystem with innodb/redo/log_writer.h (and knows the
// linear copy a backup must end up with), a reader for the copy, and the test fixture.
#pragma once

#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "engine/changed_pages.h"
#include "engine/redo_copier.h"
#include "gtest/gtest.h"
#include "innodb/redo/backup_log.h"
#include "innodb/redo/log_writer.h"
#include "tests/support/fake_clock.h"
#include "tests/support/mem_file_system.h"

namespace tidemark::engine::redo_test {

inline constexpr char kLog[] = "/data/ib_logfile0";
inline constexpr char kCopy[] = "/backup/ib_logfile0";
inline constexpr uint64_t kCapacity = 64 * 1024;

inline std::vector<uint8_t> Payload(size_t n, uint8_t seed) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(seed + i * 7);
  return v;
}

// A server writing its circular ib_logfile0 into a MemFileSystem. Thread-safe.
class FakeServer {
 public:
  explicit FakeServer(io::FileSystem& fs, uint32_t format = innodb::kLogFormat10_8) {
    innodb::LogHeader h;
    h.format = format;
    h.creator = "MariaDB 10.11.19";
    if (format == innodb::kLogFormatEnc11) h.crypt = {0, 0, 0, 1, 0, 0, 0, 7};
    image_.emplace(*innodb::LogImage::Create(h, innodb::kLogStartOffset + kCapacity));
    fs.CreateDir("/data").IgnoreError();
    file_ = *fs.OpenForWrite(kLog);
    Write(3000);  // log from before the checkpoint: not copied
    Checkpoint(Write(500));
  }

  // Appends one mtr (not yet visible: see Sync); returns its start LSN.
  Lsn Append(const innodb::MtrBuilder& b) {
    absl::MutexLock lock(&mu_);
    const Lsn start = image_->Append(b.records());
    std::vector<uint8_t> bytes(image_->lsn().value() - start.value());
    image_->View(start, image_->lsn()).CopyTo(bytes);
    bytes[b.records().size()] = 1;  // what the copy must hold
    linear_.insert(linear_.end(), bytes.begin(), bytes.end());
    return start;
  }
  // Appends WRITE mtrs of ~200 bytes until `bytes` more are written, and syncs. Returns the
  // LSN where they began.
  Lsn Write(uint64_t bytes) {
    const Lsn from = lsn();
    for (uint8_t i = 0; lsn().value() - from.value() < bytes; ++i) {
      Append(innodb::MtrBuilder().Write({SpaceId(9), PageNo(i)}, 120, Payload(190, i)));
    }
    Sync();
    return from;
  }
  // The FILE_CHECKPOINT(c) mtr, then checkpoint block (c, its start), synced.
  void Checkpoint(Lsn c) {
    const Lsn end = Append(innodb::MtrBuilder().FileCheckpoint(c));
    absl::MutexLock lock(&mu_);
    image_->SetCheckpoint(block_, {c, end});
    block_ = block_ == innodb::kLogCheckpoint1 ? innodb::kLogCheckpoint2 : innodb::kLogCheckpoint1;
    checkpoint_ = {c, end};
    SyncLocked();
  }
  void Sync() {
    absl::MutexLock lock(&mu_);
    SyncLocked();
  }
  // Writes bytes at an LSN of the file (torn or corrupt data).
  void Patch(Lsn at, ByteSpan bytes) {
    absl::MutexLock lock(&mu_);
    image_->WriteAt(at, bytes);
    SyncLocked();
  }
  Lsn lsn() const {
    absl::MutexLock lock(&mu_);
    return image_->lsn();
  }
  std::vector<uint8_t> Bytes(Lsn at, size_t n) const {
    absl::MutexLock lock(&mu_);
    std::vector<uint8_t> out(n);
    image_->View(at, Lsn(at.value() + n)).CopyTo(out);
    return out;
  }
  innodb::LogCheckpoint checkpoint() const {
    absl::MutexLock lock(&mu_);
    return checkpoint_;
  }
  innodb::LogHeader header() const {
    absl::MutexLock lock(&mu_);
    return *innodb::ParseLogHeader(image_->file());
  }
  // The backup log expected after copying from C0 to `last`.
  std::vector<uint8_t> Expected(Lsn last) const {
    absl::MutexLock lock(&mu_);
    std::vector<uint8_t> out = innodb::BuildBackupLogHead(*innodb::ParseLogHeader(image_->file()),
                                                          checkpoint0(), "10.11.19");
    const uint64_t from = checkpoint0().checkpoint_lsn.value() - innodb::kLogFirstLsn;
    out.insert(out.end(), linear_.begin() + from,
               linear_.begin() + (last.value() - innodb::kLogFirstLsn));
    return out;
  }
  // The server's log position: what reached the file is durable, unless set_flushed()
  // says less; mtrs appended but not synced count as generated only.
  ServerLogProbe Probe() {
    return [this]() -> absl::StatusOr<ServerLogPosition> {
      absl::MutexLock lock(&mu_);
      return ServerLogPosition{image_->lsn(), flushed_ ? *flushed_ : synced_};
    };
  }
  void set_flushed(std::optional<Lsn> flushed) {
    absl::MutexLock lock(&mu_);
    flushed_ = flushed;
  }
  void set_checkpoint0(innodb::LogCheckpoint c) { checkpoint0_ = c; }

 private:
  void SyncLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    ASSERT_TRUE(file_->WriteAt(0, image_->file()).ok());
    synced_ = image_->lsn();
  }
  innodb::LogCheckpoint checkpoint0() const { return checkpoint0_ ? *checkpoint0_ : checkpoint_; }

  mutable absl::Mutex mu_;
  std::optional<innodb::LogImage> image_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<io::WritableFile> file_;
  std::vector<uint8_t> linear_ ABSL_GUARDED_BY(mu_);  // every mtr, end marker 0x01
  size_t block_ ABSL_GUARDED_BY(mu_) = innodb::kLogCheckpoint1;
  innodb::LogCheckpoint checkpoint_ ABSL_GUARDED_BY(mu_);
  std::optional<innodb::LogCheckpoint> checkpoint0_;  // pinned C0/E0 once a copy began
  std::optional<Lsn> flushed_ ABSL_GUARDED_BY(mu_);
  Lsn synced_ ABSL_GUARDED_BY(mu_);
};

inline std::vector<uint8_t> FileBytes(io::FileSystem& fs, std::string_view path) {
  std::string s = *io::ReadFileToString(fs, path);
  return {s.begin(), s.end()};
}

// Parses a backup log from C0 and returns where it ends: every mtr must be valid and the
// first byte after the last mtr must read as a stale pass (kBadSequenceBit).
inline Lsn ReadBack(const std::vector<uint8_t>& file, Lsn c0) {
  const innodb::LogGeometry g = *innodb::BackupLogGeometry(c0, file.size());
  const Lsn end(c0.value() + g.capacity());
  innodb::MtrFraming framing{g, innodb::LogEncryption::kNone};
  innodb::MtrReader reader(innodb::LogView::OfFile(file, g, c0, end), framing);
  innodb::MtrResult r;
  while ((r = reader.Read()).ok()) {
  }
  EXPECT_EQ(r.verdict, innodb::MtrVerdict::kIncomplete) << r.detail;
  EXPECT_EQ(reader.lsn(), end);
  innodb::MtrReader after(innodb::LogView::OfFile(file, g, end, Lsn(end.value() + g.capacity())),
                          framing);
  EXPECT_EQ(after.Read().verdict, innodb::MtrVerdict::kBadSequenceBit);
  return reader.lsn();
}

// Appends about `bytes` of mtrs to `server`, each writing 1 to 4 random pages of spaces 1..3
// (pages below 3000), records those pages in `expected`, then syncs: the changed-page
// trackers' tests compare what they collected with `expected`.
inline void WriteRandomPages(FakeServer& server, std::mt19937& rng, uint64_t bytes,
                             ChangedPages& expected) {
  const Lsn from = server.lsn();
  while (server.lsn().value() - from.value() < bytes) {
    innodb::MtrBuilder b;
    for (int i = 0; i < 1 + static_cast<int>(rng() % 4); ++i) {
      const innodb::RedoPageId p{SpaceId(1 + rng() % 3), PageNo(rng() % 3000)};
      b.Write(p, 120, Payload(8, 1));
      expected.AddPage(p.space, p.page);
    }
    server.Append(b);
  }
  server.Sync();
}

class RedoCopierTest : public ::testing::Test {
 protected:
  RedoCopierTest() : server_(fs_) {
    EXPECT_TRUE(fs_.CreateDir("/backup").ok());
    target_ = *fs_.OpenForWrite(kCopy);
    options_.backup_version = "10.11.19";
    options_.server_log = server_.Probe();
    options_.probe_interval = absl::ZeroDuration();  // a fresh answer every round
    options_.on_event = [this](const RedoEvent& e) { events_.push_back(e); };
  }
  std::unique_ptr<RedoCopier> Open(io::FileSystem* fs = nullptr) {
    server_.set_checkpoint0(server_.checkpoint());
    absl::StatusOr<std::unique_ptr<RedoCopier>> c =
        RedoCopier::Open(fs ? *fs : fs_, kLog, *target_, clock_, options_);
    EXPECT_TRUE(c.ok()) << c.status();
    return c.ok() ? *std::move(c) : nullptr;
  }
  std::vector<uint8_t> Copy() { return FileBytes(fs_, kCopy); }

  testing::MemFileSystem fs_;
  testing::FakeClock clock_;
  FakeServer server_;
  std::unique_ptr<io::WritableFile> target_;
  RedoCopierOptions options_;
  std::vector<RedoEvent> events_;
};

}  // namespace tidemark::engine::redo_test
