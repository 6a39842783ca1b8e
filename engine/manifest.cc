// tidemark_manifest.json: serialisation (one JSON member per line, one line per file, a
// trailing XXH3-128 of the bytes before it), a strict reader that names the bad field, and the
// atomic write that makes the manifest the "backup complete" marker. Format: docs/manifest.md.
#include "engine/manifest.h"

#include <set>
#include <utility>

#include "absl/strings/str_format.h"
#include "innodb/base/status.h"
#include "io/hashing_file.h"
#include "nlohmann/json.hpp"

namespace tidemark::engine {
namespace {

using json = nlohmann::ordered_json;

constexpr std::string_view kFormatName = "tidemark-manifest";
// What precedes the digest; the digest covers every byte before this.
constexpr std::string_view kDigestMember = ",\n  \"manifest_xxh3_128\": \"";
constexpr char kTimeFormat[] = "%Y-%m-%dT%H:%M:%SZ";

constexpr FileKind kFileKinds[] = {FileKind::kInnodbTablespace, FileKind::kInnodbDelta,
                                   FileKind::kRedo, FileKind::kNonInnodb, FileKind::kMetadata};

std::string Dump(const json& value) {
  // replace: never throw on a string that is not UTF-8 (paths are handled before this).
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

ByteSpan Bytes(std::string_view s) {
  return ByteSpan(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

// ------------------------------------------------------------------------------ writing

bool IsValidUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return false;
    }
    i += n;
  }
  return true;
}

std::string Hex(std::string_view bytes) {
  std::string out;
  for (unsigned char c : bytes) out += absl::StrFormat("%02x", c);
  return out;
}

json FileJson(const ManifestFile& f) {
  json j;
  // A path that is not UTF-8 cannot be a JSON string: it is stored as hex instead.
  if (IsValidUtf8(f.path)) {
    j["path"] = f.path;
  } else {
    j["path_hex"] = Hex(f.path);
  }
  j["size"] = f.size;
  j["xxh3_128"] = f.xxh3_128;
  j["kind"] = FileKindName(f.kind);
  if (f.tablespace) {
    j["space_id"] = f.tablespace->space_id;
    j["page_size"] = f.tablespace->page_size;
    j["pages"] = f.tablespace->pages;
  }
  if (f.stored) {
    j["stored"] = json{{"suffix", f.stored->suffix},
                       {"size", f.stored->size},
                       {"xxh3_128", f.stored->xxh3_128}};
  }
  return j;
}

json BinlogJson(const std::optional<BinlogPosition>& binlog) {
  if (!binlog) return nullptr;
  return json{{"file", binlog->file},
              {"position", binlog->position},
              {"gtid_current_pos", binlog->gtid_current_pos},
              {"gtid_binlog_pos", binlog->gtid_binlog_pos}};
}

std::string TimeText(absl::Time t) { return absl::FormatTime(kTimeFormat, t, absl::UTCTimeZone()); }

// The top-level members before "files", in document order.
std::vector<std::pair<std::string, json>> HeaderMembers(const Manifest& m) {
  const BackupOptions& o = m.options;
  return {
      {"format", kFormatName},
      {"format_version", kManifestFormatVersion},
      {"producer", m.producer},
      {"backup_uuid", m.backup_uuid},
      {"kind", BackupKindName(m.kind)},
      {"base_backup_uuid", m.base_backup_uuid},
      {"server",
       {{"version", m.server_version}, {"uuid", m.server_uuid}, {"page_size", m.page_size}}},
      {"lsn",
       {{"start_checkpoint", m.start_checkpoint_lsn.value()},
        {"from", m.from_lsn.value()},
        {"to", m.to_lsn.value()},
        {"last", m.last_lsn.value()}}},
      {"binlog", BinlogJson(m.binlog)},
      {"start_time", TimeText(m.start_time)},
      {"end_time", TimeText(m.end_time)},
      {"options",
       {{"parallel", o.parallel},
        {"compression", o.compression},
        {"encryption", o.encryption},
        {"format", o.format}}},
  };
}

// ------------------------------------------------------------------------------ reading

// Reports where nlohmann's parser gave up; every other event is accepted.
class ErrorPosition final : public nlohmann::json_sax<json> {
 public:
  size_t position = 0;
  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return true; }
  bool key(string_t&) override { return true; }
  bool end_object() override { return true; }
  bool start_array(std::size_t) override { return true; }
  bool end_array() override { return true; }
  bool parse_error(std::size_t at, const std::string&,
                   const nlohmann::detail::exception&) override {
    position = at;
    return false;
  }
};

// The members of one JSON object, read with errors naming "<prefix><key>".
class Fields {
 public:
  Fields(std::string_view path, std::string prefix, const json& object)
      : path_(path), prefix_(std::move(prefix)), object_(object) {}

  absl::Status Error(std::string_view key, std::string_view problem) const {
    return absl::DataLossError(
        absl::StrFormat("manifest '%s': %s%s: %s", path_, prefix_, key, problem));
  }
  bool Has(std::string_view key) const { return object_.contains(std::string(key)); }

  absl::StatusOr<const json*> Get(std::string_view key) const {
    auto it = object_.find(std::string(key));
    if (it == object_.end()) return Error(key, "missing");
    return &*it;
  }
  absl::StatusOr<uint64_t> U64(std::string_view key) const {
    TM_ASSIGN_OR_RETURN(const json* v, Get(key));
    if (!v->is_number_unsigned()) return Error(key, "expected an unsigned integer");
    return v->get<uint64_t>();
  }
  absl::StatusOr<uint32_t> U32(std::string_view key) const {
    TM_ASSIGN_OR_RETURN(uint64_t v, U64(key));
    if (v > UINT32_MAX) return Error(key, absl::StrFormat("%d is out of range", v));
    return static_cast<uint32_t>(v);
  }
  absl::StatusOr<std::string> Str(std::string_view key) const {
    TM_ASSIGN_OR_RETURN(const json* v, Get(key));
    if (!v->is_string()) return Error(key, "expected a string");
    return v->get<std::string>();
  }
  absl::StatusOr<Fields> Object(std::string_view key) const {
    TM_ASSIGN_OR_RETURN(const json* v, Get(key));
    if (!v->is_object()) return Error(key, "expected an object");
    return Fields(path_, absl::StrFormat("%s%s.", prefix_, key), *v);
  }
  absl::StatusOr<Lsn> LsnAt(std::string_view key) const {
    TM_ASSIGN_OR_RETURN(uint64_t v, U64(key));
    return Lsn(v);
  }
  absl::StatusOr<absl::Time> Time(std::string_view key) const {
    TM_ASSIGN_OR_RETURN(std::string text, Str(key));
    absl::Time t;
    std::string err;
    if (!absl::ParseTime(kTimeFormat, text, absl::UTCTimeZone(), &t, &err)) {
      return Error(key, absl::StrFormat("'%s' is not YYYY-MM-DDTHH:MM:SSZ", text));
    }
    return t;
  }
  std::string_view path() const { return path_; }
  const std::string& prefix() const { return prefix_; }

 private:
  std::string_view path_;
  std::string prefix_;
  const json& object_;
};

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

absl::StatusOr<std::string> FromHex(const Fields& f, std::string_view key, std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    int hi = HexDigit(hex[i]), lo = HexDigit(hex[i + 1]);
    if (hi < 0 || lo < 0) break;
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  if (hex.empty() || out.size() * 2 != hex.size()) return f.Error(key, "expected hex digits");
  return out;
}

// A path that restore or verify may safely join to the backup directory.
bool IsSafeRelativePath(std::string_view path) {
  if (path.empty() || path.front() == '/') return false;
  for (std::string_view rest = path;;) {
    size_t slash = rest.find('/');
    std::string_view part = rest.substr(0, slash);
    if (part.empty() || part == "." || part == "..") return false;
    if (slash == std::string_view::npos) return true;
    rest.remove_prefix(slash + 1);
  }
}

absl::StatusOr<std::string> FilePath(const Fields& f) {
  std::string path;
  if (f.Has("path_hex")) {
    TM_ASSIGN_OR_RETURN(std::string hex, f.Str("path_hex"));
    TM_ASSIGN_OR_RETURN(path, FromHex(f, "path_hex", hex));
  } else {
    TM_ASSIGN_OR_RETURN(path, f.Str("path"));
  }
  if (!IsSafeRelativePath(path)) {
    return f.Error("path", absl::StrFormat("'%s' is not a relative path inside the backup", path));
  }
  return path;
}

absl::StatusOr<FileKind> KindOf(const Fields& f) {
  TM_ASSIGN_OR_RETURN(std::string name, f.Str("kind"));
  for (FileKind kind : kFileKinds) {
    if (FileKindName(kind) == name) return kind;
  }
  return f.Error("kind", absl::StrFormat("unknown '%s'", name));
}

absl::StatusOr<ManifestFile> ReadFile(const Fields& f) {
  ManifestFile file;
  TM_ASSIGN_OR_RETURN(file.path, FilePath(f));
  TM_ASSIGN_OR_RETURN(file.size, f.U64("size"));
  TM_ASSIGN_OR_RETURN(file.xxh3_128, f.Str("xxh3_128"));
  if (!io::IsXxh3Hex(file.xxh3_128)) {
    return f.Error("xxh3_128", absl::StrFormat("'%s' is not 32 hex digits", file.xxh3_128));
  }
  TM_ASSIGN_OR_RETURN(file.kind, KindOf(f));
  if (f.Has("space_id")) {
    TablespaceFileInfo& t = file.tablespace.emplace();
    TM_ASSIGN_OR_RETURN(t.space_id, f.U32("space_id"));
    TM_ASSIGN_OR_RETURN(t.page_size, f.U32("page_size"));
    TM_ASSIGN_OR_RETURN(t.pages, f.U64("pages"));
  }
  if (f.Has("stored")) {
    TM_ASSIGN_OR_RETURN(Fields s, f.Object("stored"));
    StoredForm& stored = file.stored.emplace();
    TM_ASSIGN_OR_RETURN(stored.suffix, s.Str("suffix"));
    if (stored.suffix != ".zst" && stored.suffix != ".tmenc" && stored.suffix != ".zst.tmenc") {
      return s.Error("suffix", absl::StrFormat("unknown '%s'", stored.suffix));
    }
    TM_ASSIGN_OR_RETURN(stored.size, s.U64("size"));
    TM_ASSIGN_OR_RETURN(stored.xxh3_128, s.Str("xxh3_128"));
    if (!io::IsXxh3Hex(stored.xxh3_128)) {
      return s.Error("xxh3_128", absl::StrFormat("'%s' is not 32 hex digits", stored.xxh3_128));
    }
  }
  return file;
}

absl::StatusOr<std::vector<ManifestFile>> ReadFiles(const Fields& top) {
  TM_ASSIGN_OR_RETURN(const json* files, top.Get("files"));
  if (!files->is_array()) return top.Error("files", "expected an array");
  std::vector<ManifestFile> out;
  std::set<std::string> seen;
  for (size_t i = 0; i < files->size(); ++i) {
    std::string prefix = absl::StrFormat("files[%d].", i);
    const json& entry = (*files)[i];
    if (!entry.is_object()) return top.Error(absl::StrFormat("files[%d]", i), "expected an object");
    Fields f(top.path(), prefix, entry);
    TM_ASSIGN_OR_RETURN(ManifestFile file, ReadFile(f));
    if (!seen.insert(file.path).second) {
      return f.Error("path", absl::StrFormat("duplicate '%s'", file.path));
    }
    out.push_back(std::move(file));
  }
  return out;
}

absl::StatusOr<std::optional<BinlogPosition>> ReadBinlog(const Fields& top) {
  TM_ASSIGN_OR_RETURN(const json* v, top.Get("binlog"));
  if (v->is_null()) return std::nullopt;
  TM_ASSIGN_OR_RETURN(Fields b, top.Object("binlog"));
  BinlogPosition pos;
  TM_ASSIGN_OR_RETURN(pos.file, b.Str("file"));
  TM_ASSIGN_OR_RETURN(pos.position, b.U64("position"));
  TM_ASSIGN_OR_RETURN(pos.gtid_current_pos, b.Str("gtid_current_pos"));
  TM_ASSIGN_OR_RETURN(pos.gtid_binlog_pos, b.Str("gtid_binlog_pos"));
  return pos;
}

absl::Status ReadIdentity(const Fields& top, Manifest& m) {
  TM_ASSIGN_OR_RETURN(m.producer, top.Str("producer"));
  TM_ASSIGN_OR_RETURN(m.backup_uuid, top.Str("backup_uuid"));
  TM_ASSIGN_OR_RETURN(std::string kind, top.Str("kind"));
  if (kind == BackupKindName(BackupKind::kFull)) {
    m.kind = BackupKind::kFull;
  } else if (kind == BackupKindName(BackupKind::kIncremental)) {
    m.kind = BackupKind::kIncremental;
  } else {
    return top.Error("kind", absl::StrFormat("unknown '%s'", kind));
  }
  if (top.Has("base_backup_uuid")) {
    TM_ASSIGN_OR_RETURN(m.base_backup_uuid, top.Str("base_backup_uuid"));
  }
  TM_ASSIGN_OR_RETURN(Fields server, top.Object("server"));
  TM_ASSIGN_OR_RETURN(m.server_version, server.Str("version"));
  TM_ASSIGN_OR_RETURN(m.server_uuid, server.Str("uuid"));
  TM_ASSIGN_OR_RETURN(m.page_size, server.U32("page_size"));
  return absl::OkStatus();
}

absl::Status ReadPositions(const Fields& top, Manifest& m) {
  TM_ASSIGN_OR_RETURN(Fields lsn, top.Object("lsn"));
  TM_ASSIGN_OR_RETURN(m.start_checkpoint_lsn, lsn.LsnAt("start_checkpoint"));
  TM_ASSIGN_OR_RETURN(m.from_lsn, lsn.LsnAt("from"));
  TM_ASSIGN_OR_RETURN(m.to_lsn, lsn.LsnAt("to"));
  TM_ASSIGN_OR_RETURN(m.last_lsn, lsn.LsnAt("last"));
  TM_ASSIGN_OR_RETURN(m.binlog, ReadBinlog(top));
  TM_ASSIGN_OR_RETURN(m.start_time, top.Time("start_time"));
  TM_ASSIGN_OR_RETURN(m.end_time, top.Time("end_time"));
  TM_ASSIGN_OR_RETURN(Fields o, top.Object("options"));
  TM_ASSIGN_OR_RETURN(m.options.parallel, o.U32("parallel"));
  TM_ASSIGN_OR_RETURN(m.options.compression, o.Str("compression"));
  TM_ASSIGN_OR_RETURN(m.options.encryption, o.Str("encryption"));
  TM_ASSIGN_OR_RETURN(m.options.format, o.Str("format"));
  return absl::OkStatus();
}

// The format name and version, checked before anything else so that a newer manifest is
// reported as such rather than as a missing field.
absl::StatusOr<uint32_t> ReadVersion(const Fields& top) {
  TM_ASSIGN_OR_RETURN(std::string format, top.Str("format"));
  if (format != kFormatName) {
    return top.Error("format", absl::StrFormat("'%s' is not '%s'", format, kFormatName));
  }
  TM_ASSIGN_OR_RETURN(uint32_t version, top.U32("format_version"));
  if (version == 0) return top.Error("format_version", "0 is not a version");
  if (version > kManifestFormatVersion) {
    return absl::FailedPreconditionError(
        absl::StrFormat("manifest '%s': format_version %d is newer than this tidemark reads (%d)",
                        top.path(), version, kManifestFormatVersion));
  }
  return version;
}

absl::Status CheckDigest(std::string_view text, const Fields& top) {
  TM_ASSIGN_OR_RETURN(std::string stored, top.Str("manifest_xxh3_128"));
  size_t at = text.rfind(kDigestMember);
  if (at == std::string_view::npos) {
    return top.Error("manifest_xxh3_128", "not where tidemark writes it (the file was edited)");
  }
  std::string computed = io::HashBytes(Bytes(text.substr(0, at))).xxh3_128;
  if (stored != computed) {
    return top.Error("manifest_xxh3_128",
                     absl::StrFormat("stored %s, computed %s", stored, computed));
  }
  return absl::OkStatus();
}

absl::StatusOr<json> ParseJson(std::string_view text, std::string_view path) {
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    ErrorPosition where;
    json::sax_parse(text, &where);
    return absl::DataLossError(
        absl::StrFormat("manifest '%s': not valid JSON (error at byte %d: truncated or garbled)",
                        path, where.position));
  }
  if (!doc.is_object()) {
    return absl::DataLossError(absl::StrFormat("manifest '%s': not a JSON object", path));
  }
  return doc;
}

}  // namespace

bool operator==(const BinlogPosition& a, const BinlogPosition& b) {
  return a.file == b.file && a.position == b.position && a.gtid_current_pos == b.gtid_current_pos &&
         a.gtid_binlog_pos == b.gtid_binlog_pos;
}

std::string_view BackupKindName(BackupKind kind) {
  return kind == BackupKind::kFull ? "full" : "incremental";
}

std::string_view FileKindName(FileKind kind) {
  switch (kind) {
    case FileKind::kInnodbTablespace:
      return "innodb-tablespace";
    case FileKind::kInnodbDelta:
      return "innodb-delta";
    case FileKind::kRedo:
      return "redo";
    case FileKind::kNonInnodb:
      return "non-innodb";
    case FileKind::kMetadata:
      return "metadata";
  }
  return "?";
}

std::string SerializeManifest(const Manifest& manifest) {
  std::string out = "{";
  for (const auto& [key, value] : HeaderMembers(manifest)) {
    out += absl::StrFormat("\n  \"%s\": %s,", key, Dump(value));
  }
  out += "\n  \"files\": [";
  for (size_t i = 0; i < manifest.files.size(); ++i) {
    out += absl::StrFormat("%s\n    %s", i == 0 ? "" : ",", Dump(FileJson(manifest.files[i])));
  }
  out += manifest.files.empty() ? "]" : "\n  ]";
  std::string digest = io::HashBytes(Bytes(out)).xxh3_128;
  return absl::StrFormat("%s%s%s\"\n}\n", out, kDigestMember, digest);
}

absl::StatusOr<Manifest> ParseManifest(std::string_view text, std::string_view path) {
  TM_ASSIGN_OR_RETURN(json doc, ParseJson(text, path));
  Fields top(path, "", doc);
  Manifest m;
  TM_ASSIGN_OR_RETURN(m.format_version, ReadVersion(top));
  TM_RETURN_IF_ERROR(CheckDigest(text, top));
  TM_RETURN_IF_ERROR(ReadIdentity(top, m));
  TM_RETURN_IF_ERROR(ReadPositions(top, m));
  TM_ASSIGN_OR_RETURN(m.files, ReadFiles(top));
  return m;
}

absl::Status WriteManifest(io::FileSystem& fs, std::string_view dir, const Manifest& manifest) {
  std::string final_path = io::JoinPath(dir, kManifestName);
  std::string temp_path = final_path + ".tmp";
  io::WriteOptions options;
  options.mode = 0640;
  absl::Status s = io::WriteStringToFile(fs, temp_path, SerializeManifest(manifest), options);
  if (s.ok()) s = fs.Rename(temp_path, final_path);
  if (!s.ok()) {
    fs.RemoveFile(temp_path).IgnoreError();  // best effort; the failure is what matters
    return s;
  }
  return fs.SyncDir(dir.empty() ? "." : dir);
}

absl::StatusOr<Manifest> ReadManifest(io::FileSystem& fs, std::string_view dir) {
  std::string path = io::JoinPath(dir, kManifestName);
  absl::StatusOr<std::string> text = io::ReadFileToString(fs, path);
  if (absl::IsNotFound(text.status())) {
    if (absl::IsNotFound(fs.Stat(dir.empty() ? "." : dir).status())) {
      return absl::NotFoundError(absl::StrFormat("backup '%s' does not exist", dir));
    }
    return absl::NotFoundError(absl::StrFormat(
        "backup '%s' is incomplete: no %s (the backup did not finish)", dir, kManifestName));
  }
  if (!text.ok()) return text.status();
  return ParseManifest(*text, path);
}

}  // namespace tidemark::engine
