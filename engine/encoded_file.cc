// Decoding one stored file (see the header). The stored bytes are read front to back and
// written through io's push decoders (NewDecryptingWritableFile, NewUnzstdWritableFile), so a
// `.zst.tmenc` file is decoded in one pass, without the whole file in memory or a second
// temporary.
#include "engine/encoded_file.h"

#include <algorithm>
#include <atomic>
#include <memory>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "innodb/base/status.h"

namespace tidemark::engine {
namespace {

constexpr std::string_view kBoth = ".zst.tmenc";

DecodeOutcome Fail(DecodeFailure f, absl::Status s) {
  DecodeOutcome r;
  r.status = std::move(s);
  r.failure = f;
  return r;
}

// Damage is DataLoss (a corrupt frame or chunk, and an I/O error while reading); anything
// else about the input (a wrong key, a file that cannot be opened) makes it unusable.
DecodeFailure InputFailure(const absl::Status& s) {
  return s.code() == absl::StatusCode::kDataLoss ? DecodeFailure::kDamaged
                                                 : DecodeFailure::kBadInput;
}

absl::Status NoKey(const std::string& path) {
  return absl::FailedPreconditionError(absl::StrFormat(
      "'%s' is encrypted: no key given (--encrypt-key-file or TIDEMARK_ENCRYPT_KEY)", path));
}

// Opens the encrypted `in` and checks that it is the file `f` names.
absl::StatusOr<std::unique_ptr<io::CryptReader>> OpenEncrypted(io::RandomAccessFile& in,
                                                               const EncodedFile& f,
                                                               const io::CryptKey* key) {
  if (key == nullptr) return NoKey(in.path());
  TM_ASSIGN_OR_RETURN(std::unique_ptr<io::CryptReader> reader, io::CryptReader::Open(in, *key));
  const std::string id = f.rel.substr(0, f.rel.size() - io::kCryptSuffix.size());
  if (!reader->header().file_id.empty() && reader->header().file_id != id) {
    return absl::DataLossError(absl::StrFormat("decrypt '%s': holds the encrypted '%s', not '%s'",
                                               in.path(), reader->header().file_id, id));
  }
  return reader;
}

// Reads `in` front to back through the stages its suffix names (io's push decoders: decrypt,
// then decompress) into `sink`. The header of an encrypted file (key, file id) is checked
// first, before any byte is decoded.
absl::Status Decode(io::RandomAccessFile& in, const EncodedFile& f, const io::CryptKey* key,
                    const io::ByteSink& sink) {
  if (f.encrypted()) TM_RETURN_IF_ERROR(OpenEncrypted(in, f, key).status());
  std::unique_ptr<io::WritableFile> chain = NewDecodingWritableFile(
      io::NewSinkWritableFile(in.path(), sink), f.suffix, key, in.path());
  return io::PushFile(in, *chain);
}

}  // namespace

std::unique_ptr<io::WritableFile> NewDecodingWritableFile(std::unique_ptr<io::WritableFile> out,
                                                        std::string_view suffix,
                                                        const io::CryptKey* key,
                                                        const std::string& name,
                                                        std::string expected_id) {
  if (suffix.starts_with(io::kZstdSuffix)) out = io::NewUnzstdWritableFile(std::move(out), name);
  if (suffix.ends_with(io::kCryptSuffix)) {
    out = io::NewDecryptingWritableFile(std::move(out), *key, name, std::move(expected_id));
  }
  return out;
}

std::string_view EncodingSuffix(std::string_view path) {
  const std::string_view name = io::BaseName(path);
  for (std::string_view s : {kBoth, io::kCryptSuffix, io::kZstdSuffix}) {
    if (name.size() > s.size() && name.ends_with(s)) return s;
  }
  return "";
}

std::string_view WithoutEncoding(std::string_view path) {
  return path.substr(0, path.size() - EncodingSuffix(path).size());
}

EncodedFile FullyEncoded(std::string_view rel) {
  return EncodedFile{std::string(rel), std::string(EncodingSuffix(rel))};
}

DecodeOutcome DecodeToSink(io::FileSystem& fs, std::string_view dir, const EncodedFile& f,
                           const io::CryptKey* key, const io::ByteSink& sink) {
  const std::string path = io::JoinPath(dir, f.rel);
  if (f.encrypted() && key == nullptr) return Fail(DecodeFailure::kBadInput, NoKey(path));
  auto in = fs.OpenForRead(path);
  if (!in.ok()) return Fail(DecodeFailure::kBadInput, in.status());
  DecodeOutcome r;
  absl::Status sink_error;
  const io::ByteSink counting = [&](ByteSpan data) {
    sink_error = sink(data);
    r.bytes_out += data.size();
    return sink_error;
  };
  absl::Status s = Decode(**in, f, key, counting);
  if (!s.ok()) return Fail(sink_error.ok() ? InputFailure(s) : DecodeFailure::kTarget, s);
  auto size = (*in)->Size();
  r.bytes_in = size.ok() ? *size : 0;
  return r;
}

DecodeOutcome DecodeToFile(io::FileSystem& fs, std::string_view dir, const EncodedFile& f,
                           const io::CryptKey* key, const std::string& out_path,
                           const io::WriteOptions& options, bool sync) {
  auto out = fs.OpenForWrite(out_path, options);
  if (!out.ok()) return Fail(DecodeFailure::kTarget, out.status());
  DecodeOutcome r =
      DecodeToSink(fs, dir, f, key, [&](ByteSpan data) { return (*out)->Append(data); });
  if (r.status.ok() && sync) {
    if (absl::Status s = (*out)->Sync(); !s.ok()) r = Fail(DecodeFailure::kTarget, s);
  }
  absl::Status close = (*out)->Close();
  if (r.status.ok() && !close.ok()) r = Fail(DecodeFailure::kTarget, close);
  if (!r.status.ok()) (void)fs.RemoveFile(out_path);  // best effort: nothing half-written stays
  return r;
}

DecodeOutcome DecodeInPlace(io::FileSystem& fs, std::string_view dir, const EncodedFile& f,
                            const io::CryptKey* key, bool remove_original) {
  const std::string out_path = io::JoinPath(dir, f.decoded_rel());
  const std::string tmp_path = out_path + std::string(kDecodeTempSuffix);
  DecodeOutcome r = DecodeToFile(fs, dir, f, key, tmp_path, io::WriteOptions{.mode = 0640});
  if (!r.status.ok()) return r;
  absl::Status s = fs.Rename(tmp_path, out_path);
  if (!s.ok()) (void)fs.RemoveFile(tmp_path);
  // The rename is made durable before the original goes: a crash then leaves x whole, or
  // x.zst (and perhaps an old x) for a rerun to decode again.
  const std::string parent = io::ParentDir(out_path);
  if (s.ok()) s = fs.SyncDir(parent.empty() ? "." : parent);
  if (s.ok() && remove_original) s = fs.RemoveFile(io::JoinPath(dir, f.rel));
  if (s.ok() && remove_original) s = fs.SyncDir(parent.empty() ? "." : parent);
  if (!s.ok()) return Fail(DecodeFailure::kTarget, s);
  return r;
}

DecodeOutcome CheckKey(io::FileSystem& fs, std::string_view dir,
                       const std::vector<EncodedFile>& files, const io::CryptKey* key) {
  for (const EncodedFile& f : files) {
    if (!f.encrypted()) continue;
    const std::string path = io::JoinPath(dir, f.rel);
    if (key == nullptr) return Fail(DecodeFailure::kBadInput, NoKey(path));
    auto in = fs.OpenForRead(path);
    if (!in.ok()) return Fail(DecodeFailure::kBadInput, in.status());
    auto reader = OpenEncrypted(**in, f, key);
    if (!reader.ok()) return Fail(InputFailure(reader.status()), reader.status());
  }
  return DecodeOutcome{};
}

absl::StatusOr<std::string> ReadPlainOrEncoded(io::FileSystem& fs, std::string_view dir,
                                               std::string_view rel, const io::CryptKey* key) {
  absl::StatusOr<std::string> plain = io::ReadFileToString(fs, io::JoinPath(dir, rel));
  if (!absl::IsNotFound(plain.status())) return plain;
  for (std::string_view suffix : {io::kZstdSuffix, io::kCryptSuffix, kBoth}) {
    const EncodedFile f{std::string(rel) + std::string(suffix), std::string(suffix)};
    if (!fs.Stat(io::JoinPath(dir, f.rel)).ok()) continue;
    std::string text;
    DecodeOutcome r = DecodeToSink(fs, dir, f, key, [&](ByteSpan data) {
      text.append(reinterpret_cast<const char*>(data.data()), data.size());
      return absl::OkStatus();
    });
    if (!r.status.ok()) return r.status;
    return text;
  }
  return absl::NotFoundError(
      absl::StrFormat("'%s': not found (nor an encoded form)", io::JoinPath(dir, rel)));
}

DecodeFilesResult DecodeFilesInPlace(io::FileSystem& fs, std::string_view dir,
                                     const std::vector<EncodedFile>& files,
                                     const io::CryptKey* key, bool remove_original, int parallel,
                                     const std::function<void(std::string_view)>& on_file) {
  DecodeFilesResult result;
  absl::Mutex mu;
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i; (i = next.fetch_add(1)) < files.size();) {
      DecodeOutcome r = DecodeInPlace(fs, dir, files[i], key, remove_original);
      absl::MutexLock lock(&mu);
      if (!r.status.ok()) {
        result.problems.push_back(DecodeProblem{files[i].rel, r.failure, r.status});
        continue;
      }
      ++result.files;
      result.bytes_in += r.bytes_in;
      result.bytes_out += r.bytes_out;
      if (on_file) on_file(files[i].rel);
    }
  };
  {
    std::vector<std::jthread> workers;
    const size_t n = std::min<size_t>(std::max(parallel, 1), std::max<size_t>(files.size(), 1));
    for (size_t i = 1; i < n; ++i) workers.emplace_back(work);
    work();
  }
  std::sort(result.problems.begin(), result.problems.end(),
            [](const DecodeProblem& a, const DecodeProblem& b) { return a.path < b.path; });
  return result;
}

absl::Status FirstProblem(const DecodeFilesResult& result) {
  if (result.problems.empty()) return absl::OkStatus();
  const absl::Status& first = result.problems.front().status;
  if (result.problems.size() == 1) return first;
  return absl::Status(first.code(), absl::StrFormat("%s (and %d more files failed to decode)",
                                                    first.message(),
                                                    result.problems.size() - 1));
}

}  // namespace tidemark::engine
