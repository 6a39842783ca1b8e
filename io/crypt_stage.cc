// The encryption stage: AES-256-GCM over OpenSSL 3's EVP interface, in fixed-size chunks
// whose nonce and additional data bind them to their file, their index and their being last.
// The layout is docs/encryption.md; this file is its only writer and reader.
#include "io/crypt_stage.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <xxhash.h>

#include <cstring>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/str_format.h"
#include "innodb/base/status.h"
#include "io/stage_file.h"

namespace tidemark::io {
namespace {

// Header fields (docs/encryption.md "Header"), big-endian.
constexpr std::array<uint8_t, 8> kMagic = {'t', 'm', 'e', 'n', 'c', 0, '\r', '\n'};
constexpr uint16_t kVersion = 1;
constexpr uint16_t kCipherAes256Gcm = 1;
constexpr size_t kOffVersion = 8;
constexpr size_t kOffCipher = 10;
constexpr size_t kOffChunkSize = 12;
constexpr size_t kOffNoncePrefix = 16;
constexpr size_t kOffFileIdLen = 24;
constexpr size_t kOffFileId = 26;
constexpr size_t kMaxFileIdLen = 4096;
constexpr size_t kNonceSize = 12;
// Chunk indexes are 32 bits in the nonce; the last value is the key check's.
constexpr uint32_t kKeyCheckIndex = 0xFFFFFFFF;
constexpr uint64_t kMaxChunks = kKeyCheckIndex;

struct CtxDeleter {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CtxDeleter>;

size_t HeaderSize(size_t file_id_len) { return kOffFileId + file_id_len + 8 + kCryptTagSize; }

std::array<uint8_t, kNonceSize> Nonce(const std::array<uint8_t, 8>& prefix, uint32_t index) {
  std::array<uint8_t, kNonceSize> nonce{};
  std::memcpy(nonce.data(), prefix.data(), prefix.size());
  WriteBe32(MutableByteSpan(nonce), 8, index);
  return nonce;
}

// The additional data of chunk `index`: the key check (which authenticates the whole header,
// so the chunk is bound to this file's header), the index and whether it is the last chunk.
std::array<uint8_t, kCryptTagSize + 5> ChunkAad(const std::array<uint8_t, kCryptTagSize>& check,
                                                uint32_t index, bool final) {
  std::array<uint8_t, kCryptTagSize + 5> aad{};
  std::memcpy(aad.data(), check.data(), check.size());
  WriteBe32(MutableByteSpan(aad), kCryptTagSize, index);
  aad[kCryptTagSize + 4] = final ? 1 : 0;
  return aad;
}

// AES-256-GCM of `plain` into `out` (same size) and `tag`. `ctx` keeps the key between calls.
bool Seal(EVP_CIPHER_CTX* ctx, const CryptKey* key, ByteSpan nonce, ByteSpan aad, ByteSpan plain,
          uint8_t* out, uint8_t* tag) {
  int len = 0;
  if (EVP_EncryptInit_ex(ctx, key ? EVP_aes_256_gcm() : nullptr, nullptr,
                         key ? key->bytes.data() : nullptr, nonce.data()) != 1) {
    return false;
  }
  if (EVP_EncryptUpdate(ctx, nullptr, &len, aad.data(), static_cast<int>(aad.size())) != 1) {
    return false;
  }
  if (!plain.empty() &&
      EVP_EncryptUpdate(ctx, out, &len, plain.data(), static_cast<int>(plain.size())) != 1) {
    return false;
  }
  if (EVP_EncryptFinal_ex(ctx, out + plain.size(), &len) != 1) return false;
  return EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, kCryptTagSize, tag) == 1;
}

// The inverse of Seal; false when the tag does not authenticate (or OpenSSL fails).
bool Unseal(EVP_CIPHER_CTX* ctx, const CryptKey& key, ByteSpan nonce, ByteSpan aad, ByteSpan cipher,
            ByteSpan tag, uint8_t* out) {
  int len = 0;
  if (EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), nullptr, key.bytes.data(), nonce.data()) != 1) {
    return false;
  }
  if (EVP_DecryptUpdate(ctx, nullptr, &len, aad.data(), static_cast<int>(aad.size())) != 1) {
    return false;
  }
  if (!cipher.empty() &&
      EVP_DecryptUpdate(ctx, out, &len, cipher.data(), static_cast<int>(cipher.size())) != 1) {
    return false;
  }
  if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, kCryptTagSize,
                          const_cast<uint8_t*>(tag.data())) != 1) {
    return false;
  }
  return EVP_DecryptFinal_ex(ctx, out + cipher.size(), &len) == 1;
}

// The key check: the GCM tag of no plaintext under nonce prefix || FFFFFFFF, with the header
// up to and including its checksum as additional data.
bool KeyCheck(const CryptKey& key, const std::array<uint8_t, 8>& prefix, ByteSpan header,
              uint8_t* tag) {
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (ctx == nullptr) return false;
  const auto nonce = Nonce(prefix, kKeyCheckIndex);
  uint8_t none = 0;
  return Seal(ctx.get(), &key, nonce, header, {}, &none, tag);
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

class CryptWritableFile final : public StageFile {
 public:
  CryptWritableFile(std::unique_ptr<WritableFile> inner, CipherCtx ctx, uint32_t chunk_size,
                    std::array<uint8_t, 8> prefix, std::array<uint8_t, kCryptTagSize> check)
      : StageFile(std::move(inner), "an encrypted file is written"),
        ctx_(std::move(ctx)),
        chunk_size_(chunk_size),
        prefix_(prefix),
        check_(check),
        out_(chunk_size + kCryptTagSize) {
    pending_.reserve(chunk_size);
  }

 private:
  absl::Status Consume(ByteSpan data) override {
    while (!data.empty()) {
      const size_t take = std::min(data.size(), chunk_size_ - pending_.size());
      pending_.insert(pending_.end(), data.begin(), data.begin() + take);
      data = data.subspan(take);
      // A full chunk is written only once more bytes arrive: the last chunk, even a full one,
      // must carry the final flag, which only Close knows.
      if (!data.empty() && pending_.size() == chunk_size_) TM_RETURN_IF_ERROR(Write(false));
    }
    return absl::OkStatus();
  }
  absl::Status Finish() override { return Write(true); }

  absl::Status Write(bool final) {
    if (index_ >= kMaxChunks) {
      return absl::InvalidArgumentError(
          absl::StrFormat("encrypt '%s': too many chunks for one file", path()));
    }
    const auto nonce = Nonce(prefix_, static_cast<uint32_t>(index_));
    const auto aad = ChunkAad(check_, static_cast<uint32_t>(index_), final);
    if (!Seal(ctx_.get(), nullptr, nonce, aad, pending_, out_.data(),
              out_.data() + pending_.size())) {
      return absl::InternalError(
          absl::StrFormat("encrypt '%s' chunk %d: OpenSSL failed", path(), index_));
    }
    ++index_;
    const size_t n = pending_.size();
    pending_.clear();
    return inner().Append(ByteSpan(out_.data(), n + kCryptTagSize));
  }

  CipherCtx ctx_;
  size_t chunk_size_;
  std::array<uint8_t, 8> prefix_;
  std::array<uint8_t, kCryptTagSize> check_;
  std::vector<uint8_t> pending_;
  std::vector<uint8_t> out_;
  uint64_t index_ = 0;
};

}  // namespace

absl::StatusOr<CryptKey> ParseCryptKey(std::string_view contents, std::string_view source) {
  std::string_view s = contents;
  if (s.size() == kCryptKeySize + 1 && s.back() == '\n') s.remove_suffix(1);
  if (s.size() == kCryptKeySize + 2 && s.substr(s.size() - 2) == "\r\n") s.remove_suffix(2);
  CryptKey key;
  if (s.size() == kCryptKeySize) {
    std::memcpy(key.bytes.data(), s.data(), kCryptKeySize);
    return key;
  }
  if (s.size() > 2 * kCryptKeySize && s.back() == '\n') s.remove_suffix(1);
  if (s.size() > 2 * kCryptKeySize && s.back() == '\r') s.remove_suffix(1);
  bool hex = s.size() == 2 * kCryptKeySize;
  for (size_t i = 0; hex && i < kCryptKeySize; ++i) {
    const int hi = HexValue(s[2 * i]), lo = HexValue(s[2 * i + 1]);
    hex = hi >= 0 && lo >= 0;
    key.bytes[i] = static_cast<uint8_t>(hi * 16 + lo);
  }
  if (hex) return key;
  return absl::InvalidArgumentError(absl::StrFormat(
      "key %s: expected 32 raw bytes or 64 hex digits, got %d bytes", source, contents.size()));
}

absl::StatusOr<CryptKey> ReadCryptKeyFile(FileSystem& fs, std::string_view path) {
  TM_ASSIGN_OR_RETURN(std::string contents, ReadFileToString(fs, path));
  return ParseCryptKey(contents, absl::StrFormat("file '%s'", path));
}

absl::StatusOr<std::unique_ptr<WritableFile>> NewCryptWritableFile(
    std::unique_ptr<WritableFile> inner, const CryptKey& key, const CryptOptions& options) {
  if (options.chunk_size < kMinCryptChunkSize || options.chunk_size > kMaxCryptChunkSize) {
    return absl::InvalidArgumentError(
        absl::StrFormat("encrypt '%s': chunk size %d is out of range (%d..%d)", inner->path(),
                        options.chunk_size, kMinCryptChunkSize, kMaxCryptChunkSize));
  }
  if (options.file_id.size() > kMaxFileIdLen) {
    return absl::InvalidArgumentError(absl::StrFormat("encrypt '%s': file id longer than %d bytes",
                                                      inner->path(), kMaxFileIdLen));
  }
  const std::string& path = inner->path();
  std::array<uint8_t, 8> prefix{};
  if (RAND_bytes(prefix.data(), prefix.size()) != 1) {
    return absl::InternalError(absl::StrFormat("encrypt '%s': no random bytes", path));
  }
  const size_t id_len = options.file_id.size();
  std::vector<uint8_t> header(HeaderSize(id_len));
  MutableByteSpan h(header);
  std::memcpy(header.data(), kMagic.data(), kMagic.size());
  WriteBe16(h, kOffVersion, kVersion);
  WriteBe16(h, kOffCipher, kCipherAes256Gcm);
  WriteBe32(h, kOffChunkSize, options.chunk_size);
  std::memcpy(header.data() + kOffNoncePrefix, prefix.data(), prefix.size());
  WriteBe16(h, kOffFileIdLen, static_cast<uint16_t>(id_len));
  std::memcpy(header.data() + kOffFileId, options.file_id.data(), id_len);
  WriteBe64(h, kOffFileId + id_len, XXH3_64bits(header.data(), kOffFileId + id_len));
  std::array<uint8_t, kCryptTagSize> check{};
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (ctx == nullptr || !KeyCheck(key, prefix, h.first(kOffFileId + id_len + 8), check.data()) ||
      EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.bytes.data(), nullptr) != 1) {
    return absl::InternalError(absl::StrFormat("encrypt '%s': OpenSSL failed", path));
  }
  std::memcpy(header.data() + header.size() - kCryptTagSize, check.data(), check.size());
  TM_RETURN_IF_ERROR(inner->Append(header));
  return std::make_unique<CryptWritableFile>(std::move(inner), std::move(ctx), options.chunk_size,
                                             prefix, check);
}

// ----------------------------------------------------------------------------- reading

namespace {

// A file that ends `rest` bytes (fewer than a tag) after `whole` whole chunks.
std::string ShortTail(uint64_t rest, uint64_t whole) {
  return absl::StrFormat("truncated: %d bytes after %s, too few for a chunk", rest,
                         whole == 0 ? std::string("the header")
                                    : absl::StrFormat("chunk %d", whole - 1));
}

absl::Status HeaderError(std::string_view path, std::string_view why) {
  return absl::DataLossError(absl::StrFormat("decrypt '%s': %s", path, why));
}

// The header's size from its first bytes (at least kOffFileId of them, else "truncated
// header"), after the magic and version checks.
absl::StatusOr<size_t> HeaderSizeOf(ByteSpan first, std::string_view path) {
  if (std::memcmp(first.data(), kMagic.data(), std::min(first.size(), kMagic.size())) != 0) {
    return HeaderError(path, "not a tidemark encrypted file (bad magic)");
  }
  if (first.size() < kOffFileId) return HeaderError(path, "truncated header");
  if (ReadBe16(first, kOffVersion) != kVersion) {
    return HeaderError(path,
                       absl::StrFormat("unsupported version %d", ReadBe16(first, kOffVersion)));
  }
  return HeaderSize(std::min<size_t>(ReadBe16(first, kOffFileIdLen), kMaxFileIdLen));
}

struct ParsedHeader {
  CryptHeader header;
  std::array<uint8_t, 8> prefix{};
  std::array<uint8_t, kCryptTagSize> check{};
};

// Checks the whole header `h` (HeaderSizeOf's size): checksum, cipher, chunk size and key.
absl::StatusOr<ParsedHeader> ParseHeader(ByteSpan h, std::string_view path, const CryptKey& key) {
  const size_t id_len = ReadBe16(h, kOffFileIdLen);
  const size_t checked = kOffFileId + id_len;
  if (id_len > kMaxFileIdLen || ReadBe64(h, checked) != XXH3_64bits(h.data(), checked)) {
    return HeaderError(path, "damaged header (checksum mismatch)");
  }
  const uint32_t chunk_size = ReadBe32(h, kOffChunkSize);
  if (ReadBe16(h, kOffCipher) != kCipherAes256Gcm || chunk_size < kMinCryptChunkSize ||
      chunk_size > kMaxCryptChunkSize) {
    return HeaderError(path, "unsupported cipher or chunk size");
  }
  ParsedHeader p;
  p.header = CryptHeader{
      .chunk_size = chunk_size,
      .file_id = std::string(reinterpret_cast<const char*>(&h[kOffFileId]), id_len),
      .header_size = h.size()};
  std::memcpy(p.prefix.data(), &h[kOffNoncePrefix], 8);
  std::memcpy(p.check.data(), &h[checked + 8], kCryptTagSize);
  std::array<uint8_t, kCryptTagSize> expect{};
  if (!KeyCheck(key, p.prefix, h.first(checked + 8), expect.data())) {
    return absl::InternalError(absl::StrFormat("decrypt '%s': OpenSSL failed", path));
  }
  if (CRYPTO_memcmp(expect.data(), p.check.data(), kCryptTagSize) != 0) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "decrypt '%s': wrong key (the header is intact but its key check does not match)", path));
  }
  return p;
}

// Decrypts chunk `index` (`data`: its ciphertext, then its tag) into `out`. Errors: DataLoss
// "decrypt '<path>' chunk N: authentication failed (...)", "...: truncated: the file ends
// after this chunk but it is not the last one".
absl::Status OpenChunk(EVP_CIPHER_CTX* ctx, const CryptKey& key,
                       const std::array<uint8_t, 8>& prefix,
                       const std::array<uint8_t, kCryptTagSize>& check, uint32_t chunk_size,
                       uint64_t index, bool final, ByteSpan data, std::string_view path,
                       std::string& out) {
  const size_t plain = data.size() - kCryptTagSize;
  out.resize(plain);
  const auto nonce = Nonce(prefix, static_cast<uint32_t>(index));
  ByteSpan cipher = data.first(plain), tag = data.subspan(plain, kCryptTagSize);
  auto* dst = reinterpret_cast<uint8_t*>(out.data());
  if (Unseal(ctx, key, nonce, ChunkAad(check, static_cast<uint32_t>(index), final), cipher, tag,
             dst)) {
    return absl::OkStatus();
  }
  // A last chunk that authenticates as a middle one: the file was cut at a chunk boundary.
  if (final && plain == chunk_size &&
      Unseal(ctx, key, nonce, ChunkAad(check, static_cast<uint32_t>(index), false), cipher, tag,
             dst)) {
    return absl::DataLossError(absl::StrFormat(
        "decrypt '%s' chunk %d: truncated: the file ends after this chunk but it is not the "
        "last one",
        path, index));
  }
  return absl::DataLossError(absl::StrFormat(
      "decrypt '%s' chunk %d: authentication failed (damaged, or not this file's chunk %d)", path,
      index, index));
}

// Decrypts what is written to it (an encrypted file, front to back) into `inner`: the header
// is checked once whole, each chunk is decrypted once the next byte shows it is not the last.
class DecryptingWritableFile final : public StageFile {
 public:
  DecryptingWritableFile(std::unique_ptr<WritableFile> inner, const CryptKey& key,
                         std::string name, std::string expected_id)
      : StageFile(std::move(inner), "an encrypted file is decrypted"),
        key_(key),
        name_(std::move(name)),
        expected_id_(std::move(expected_id)) {}
  ~DecryptingWritableFile() override { OPENSSL_cleanse(key_.bytes.data(), key_.bytes.size()); }

 private:
  absl::Status Consume(ByteSpan data) override {
    pending_.insert(pending_.end(), data.begin(), data.end());
    return Drain(/*at_end=*/false);
  }
  absl::Status Finish() override { return Drain(/*at_end=*/true); }

  absl::Status Drain(bool at_end) {
    if (!header_) {
      if (pending_.size() < kOffFileId && !at_end) return absl::OkStatus();
      TM_ASSIGN_OR_RETURN(size_t size, HeaderSizeOf(pending_, name_));
      if (pending_.size() < size) {
        return at_end ? HeaderError(name_, "truncated header") : absl::OkStatus();
      }
      TM_ASSIGN_OR_RETURN(ParsedHeader parsed,
                          ParseHeader(ByteSpan(pending_).first(size), name_, key_));
      if (!expected_id_.empty() && parsed.header.file_id != expected_id_) {
        return HeaderError(name_, absl::StrFormat("it is the encrypted file '%s', not '%s'",
                                                  parsed.header.file_id, expected_id_));
      }
      header_ = std::move(parsed);
      at_ = size;
      ctx_.reset(EVP_CIPHER_CTX_new());
      if (ctx_ == nullptr) return absl::ResourceExhaustedError("OpenSSL: out of memory");
    }
    const size_t stride = size_t{header_->header.chunk_size} + kCryptTagSize;
    // A whole chunk followed by at least one more byte is not the last one.
    while (pending_.size() - at_ > stride) TM_RETURN_IF_ERROR(Emit(stride, /*final=*/false));
    if (at_end) {
      const size_t rest = pending_.size() - at_;
      if (rest == 0 && chunks_ == 0) {
        return HeaderError(name_, "truncated: no chunks after the header");
      }
      if (rest < kCryptTagSize) return HeaderError(name_, ShortTail(rest, chunks_));
      TM_RETURN_IF_ERROR(Emit(rest, /*final=*/true));
    }
    if (at_ > (size_t{4} << 20)) {  // keep the buffer from growing with the file
      pending_.erase(pending_.begin(), pending_.begin() + static_cast<ptrdiff_t>(at_));
      at_ = 0;
    }
    return absl::OkStatus();
  }

  absl::Status Emit(size_t len, bool final) {
    TM_RETURN_IF_ERROR(OpenChunk(ctx_.get(), key_, header_->prefix, header_->check,
                                 header_->header.chunk_size, chunks_, final,
                                 ByteSpan(pending_).subspan(at_, len), name_, plain_));
    at_ += len;
    ++chunks_;
    return inner().Append(
        ByteSpan(reinterpret_cast<const uint8_t*>(plain_.data()), plain_.size()));
  }

  CryptKey key_;
  const std::string name_;
  const std::string expected_id_;
  std::optional<ParsedHeader> header_;
  CipherCtx ctx_;
  std::vector<uint8_t> pending_;
  size_t at_ = 0;  // bytes of pending_ already used
  uint64_t chunks_ = 0;
  std::string plain_;
};

}  // namespace

std::unique_ptr<WritableFile> NewDecryptingWritableFile(std::unique_ptr<WritableFile> inner,
                                                        const CryptKey& key, std::string name,
                                                        std::string expected_file_id) {
  if (name.empty()) name = inner->path() + std::string(kCryptSuffix);
  return std::make_unique<DecryptingWritableFile>(std::move(inner), key, std::move(name),
                                                  std::move(expected_file_id));
}

// ----------------------------------------------------------------------------- CryptReader

CryptReader::CryptReader(RandomAccessFile& in, const CryptKey& key, CryptHeader header,
                         uint64_t size)
    : in_(in), key_(key), header_(std::move(header)), file_size_(size) {}

CryptReader::~CryptReader() { OPENSSL_cleanse(key_.bytes.data(), key_.bytes.size()); }

absl::StatusOr<std::unique_ptr<CryptReader>> CryptReader::Open(RandomAccessFile& in,
                                                               const CryptKey& key) {
  const std::string& path = in.path();
  TM_ASSIGN_OR_RETURN(uint64_t size, in.Size());
  std::vector<uint8_t> fixed(kOffFileId);
  TM_ASSIGN_OR_RETURN(size_t n, in.ReadAt(0, MutableByteSpan(fixed)));
  TM_ASSIGN_OR_RETURN(size_t header_size, HeaderSizeOf(ByteSpan(fixed.data(), n), path));
  std::vector<uint8_t> header(header_size);
  TM_ASSIGN_OR_RETURN(n, in.ReadAt(0, MutableByteSpan(header)));
  if (n < header.size()) return HeaderError(path, "truncated header");
  TM_ASSIGN_OR_RETURN(ParsedHeader parsed, ParseHeader(header, path, key));
  std::unique_ptr<CryptReader> r(new CryptReader(in, key, std::move(parsed.header), size));
  r->nonce_prefix_ = parsed.prefix;
  r->key_check_ = parsed.check;
  auto bad = [&](std::string_view why) { return HeaderError(path, why); };
  const uint64_t body = size - header.size();
  const uint64_t stride = uint64_t{r->header_.chunk_size} + kCryptTagSize;
  const uint64_t rest = body % stride;
  if (body == 0) return bad("truncated: no chunks after the header");
  if (rest != 0 && rest < kCryptTagSize) return bad(ShortTail(rest, body / stride));
  r->chunk_count_ = body / stride + (rest != 0 ? 1 : 0);
  if (r->chunk_count_ > kMaxChunks) return bad("too many chunks");
  return r;
}

absl::Status CryptReader::ReadChunk(uint64_t index, std::string& out) const {
  const uint64_t stride = uint64_t{header_.chunk_size} + kCryptTagSize;
  const uint64_t offset = header_.header_size + index * stride;
  const bool final = index + 1 == chunk_count_;
  const size_t len = final ? file_size_ - offset : stride;
  std::vector<uint8_t> data(len);
  TM_ASSIGN_OR_RETURN(size_t n, in_.ReadAt(offset, MutableByteSpan(data)));
  if (n < len) {
    return absl::DataLossError(absl::StrFormat(
        "decrypt '%s' chunk %d: the file shrank while it was read", in_.path(), index));
  }
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (ctx == nullptr) return absl::ResourceExhaustedError("OpenSSL: out of memory");
  return OpenChunk(ctx.get(), key_, nonce_prefix_, key_check_, header_.chunk_size, index, final,
                   data, in_.path(), out);
}

absl::Status DecryptFile(RandomAccessFile& in, const CryptKey& key, const ByteSink& sink,
                         CryptHeader* header_out) {
  TM_ASSIGN_OR_RETURN(std::unique_ptr<CryptReader> reader, CryptReader::Open(in, key));
  if (header_out != nullptr) *header_out = reader->header();
  std::string plain;
  for (uint64_t i = 0; i < reader->chunk_count(); ++i) {
    TM_RETURN_IF_ERROR(reader->ReadChunk(i, plain));
    TM_RETURN_IF_ERROR(
        sink(ByteSpan(reinterpret_cast<const uint8_t*>(plain.data()), plain.size())));
  }
  return absl::OkStatus();
}

}  // namespace tidemark::io
