// DecodeDir: walks a backup directory and decompresses or decrypts each encoded file into a
// temporary, renamed into place once whole. Workers take files from a shared index; each
// failure is classified by which side failed (the encoded input or the output) so the tool can
// pick the documented exit code.
#include "engine/decode_dir.h"

#include <algorithm>
#include <atomic>
#include <memory>
#include <thread>
#include <utility>

#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "innodb/base/status.h"
#include "io/zstd_stage.h"

namespace tidemark::engine {
namespace {

constexpr std::string_view kTempSuffix = ".tidemark-tmp";

// Relative paths of the regular files under `dir` whose names end in `suffix`.
absl::Status Walk(io::FileSystem& fs, const std::string& root, const std::string& rel,
                  std::string_view suffix, std::vector<std::string>& out) {
  TM_ASSIGN_OR_RETURN(std::vector<io::FileInfo> entries, fs.ListDir(rel.empty() ? root : io::JoinPath(root, rel)));
  for (const io::FileInfo& e : entries) {
    const std::string child = rel.empty() ? e.name : io::JoinPath(rel, e.name);
    if (e.type == io::FileType::kDirectory) {
      TM_RETURN_IF_ERROR(Walk(fs, root, child, suffix, out));
    } else if (e.type == io::FileType::kRegular && e.name.size() > suffix.size() &&
               std::string_view(e.name).ends_with(suffix)) {
      out.push_back(child);
    }
  }
  return absl::OkStatus();
}

struct Outcome {
  absl::Status status;
  DecodeFailure failure = DecodeFailure::kDamaged;
  uint64_t bytes_in = 0, bytes_out = 0;
};

Outcome Fail(DecodeFailure f, absl::Status s) { return Outcome{std::move(s), f}; }

DecodeFailure InputFailure(const absl::Status& s) {
  return s.code() == absl::StatusCode::kDataLoss ? DecodeFailure::kDamaged
                                                 : DecodeFailure::kBadInput;
}

class FileDecoder {
 public:
  FileDecoder(io::FileSystem& fs, const DecodeDirOptions& o) : fs_(fs), o_(o) {}

  Outcome Decode(const std::string& rel) {
    const std::string in_path = io::JoinPath(o_.dir, rel);
    const std::string out_rel = rel.substr(0, rel.size() - DecodeSuffix(o_.kind).size());
    const std::string out_path = io::JoinPath(o_.dir, out_rel);
    const std::string tmp_path = out_path + std::string(kTempSuffix);
    Outcome r = DecodeTo(in_path, out_rel, tmp_path);
    if (!r.status.ok()) {
      (void)fs_.RemoveFile(tmp_path);  // best effort: it may not exist
      return r;
    }
    absl::Status s = fs_.Rename(tmp_path, out_path);
    if (s.ok() && o_.remove_original) s = fs_.RemoveFile(in_path);
    if (!s.ok()) return Fail(DecodeFailure::kTarget, s);
    return r;
  }

 private:
  Outcome DecodeTo(const std::string& in_path, const std::string& out_rel,
                   const std::string& tmp_path) {
    auto in = fs_.OpenForRead(in_path);
    if (!in.ok()) return Fail(DecodeFailure::kBadInput, in.status());
    auto out = fs_.OpenForWrite(tmp_path, io::WriteOptions{.mode = 0640});
    if (!out.ok()) return Fail(DecodeFailure::kTarget, out.status());
    Outcome r;
    absl::Status sink_error;
    io::ByteSink sink = [&](ByteSpan data) {
      sink_error = (*out)->Append(data);
      r.bytes_out += data.size();
      return sink_error;
    };
    io::CryptHeader header;
    absl::Status s = o_.kind == DecodeKind::kDecompress
                         ? io::DecompressZstd(**in, sink)
                         : io::DecryptFile(**in, *o_.key, sink, &header);
    if (!s.ok()) {
      (void)(*out)->Close();
      return Fail(sink_error.ok() ? InputFailure(s) : DecodeFailure::kTarget, s);
    }
    if (o_.kind == DecodeKind::kDecrypt && !header.file_id.empty() && header.file_id != out_rel) {
      (void)(*out)->Close();
      return Fail(DecodeFailure::kDamaged, absl::DataLossError(absl::StrFormat(
                                               "decrypt '%s': holds the encrypted '%s', not '%s'",
                                               in_path, header.file_id, out_rel)));
    }
    s = (*out)->Sync();
    absl::Status close = (*out)->Close();
    if (!s.ok() || !close.ok()) return Fail(DecodeFailure::kTarget, s.ok() ? close : s);
    auto size = (*in)->Size();
    r.bytes_in = size.ok() ? *size : 0;
    return r;
  }

  io::FileSystem& fs_;
  const DecodeDirOptions& o_;
};

}  // namespace

std::string_view DecodeSuffix(DecodeKind kind) {
  return kind == DecodeKind::kDecompress ? io::kZstdSuffix : io::kCryptSuffix;
}

absl::StatusOr<DecodeDirResult> DecodeDir(io::FileSystem& fs, const DecodeDirOptions& o,
                                          const std::function<void(std::string_view)>& on_file) {
  if (o.parallel < 1) {
    return absl::InvalidArgumentError(
        absl::StrFormat("parallel %d: must be at least 1", o.parallel));
  }
  if (o.kind == DecodeKind::kDecrypt && o.key == nullptr) {
    return absl::InvalidArgumentError("decrypt: no key given");
  }
  std::vector<std::string> files;
  TM_RETURN_IF_ERROR(Walk(fs, o.dir, "", DecodeSuffix(o.kind), files));
  DecodeDirResult result;
  absl::Mutex mu;
  std::atomic<size_t> next{0};
  auto work = [&] {
    FileDecoder decoder(fs, o);
    for (size_t i; (i = next.fetch_add(1)) < files.size();) {
      Outcome r = decoder.Decode(files[i]);
      absl::MutexLock lock(&mu);
      if (!r.status.ok()) {
        result.problems.push_back(DecodeProblem{files[i], r.failure, r.status});
        continue;
      }
      ++result.files;
      result.bytes_in += r.bytes_in;
      result.bytes_out += r.bytes_out;
      if (on_file) on_file(files[i]);
    }
  };
  {
    std::vector<std::jthread> workers;
    const size_t n = std::min<size_t>(o.parallel, std::max<size_t>(files.size(), 1));
    for (size_t i = 1; i < n; ++i) workers.emplace_back(work);
    work();
  }
  std::sort(result.problems.begin(), result.problems.end(),
            [](const DecodeProblem& a, const DecodeProblem& b) { return a.path < b.path; });
  return result;
}

}  // namespace tidemark::engine
