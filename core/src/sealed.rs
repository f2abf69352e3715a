//! Sealed files: everything the core keeps on disk outside the account database (photos,
//! signatures, sealed proofs, exports, queued uploads) is AES-256-GCM encrypted with a key
//! that lives only in platform secure storage.
//!
//! The format is a chunked STREAM construction, so a 200 MB export is written and read
//! with one 64 KiB chunk in memory, and truncating, reordering or splicing chunks is
//! detected, not only flipped bits:
//!
//! ```text
//! header  = "CPNSEAL1" (8 bytes) || nonce prefix (7 random bytes)
//! chunk i = AES-256-GCM(key, nonce = prefix || u32_be(i) || last, aad = header, plaintext)
//! ```
//!
//! Every chunk but the last holds exactly [`CHUNK_BYTES`] of plaintext; the last one (flag
//! `1`) holds 0 to `CHUNK_BYTES` bytes. A file is written to a temporary name, synced and
//! renamed into place, so a killed app leaves either the old file or the new one.
//!
//! ```
//! # fn main() -> companion_core::Result<()> {
//! use companion_core::sealed::{FileKey, read_sealed, write_sealed};
//! let dir = tempfile::tempdir()?;
//! let key = FileKey::generate();
//! write_sealed(&dir.path().join("photo.jpg.sealed"), &key, b"jpeg bytes")?;
//! assert_eq!(read_sealed(&dir.path().join("photo.jpg.sealed"), &key)?, b"jpeg bytes");
//! # Ok(()) }
//! ```

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};

use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};

use crate::error::{Error, Result};

const MAGIC: &[u8; 8] = b"CPNSEAL1";
const PREFIX_LEN: usize = 7;
const HEADER_LEN: usize = MAGIC.len() + PREFIX_LEN;
const TAG_LEN: usize = 16;
/// Plaintext bytes per chunk.
pub const CHUNK_BYTES: usize = 64 * 1024;

/// A 256-bit file key. Kept in secure storage; never logged (its `Debug` is redacted) and
/// wiped from memory when dropped.
pub struct FileKey([u8; 32]);

impl FileKey {
    /// A fresh random key.
    pub fn generate() -> FileKey {
        let mut bytes = [0u8; 32];
        rand::fill(&mut bytes);
        FileKey(bytes)
    }

    /// A key read back from secure storage; anything but 32 bytes is refused.
    pub fn from_bytes(bytes: &[u8]) -> Result<FileKey> {
        let bytes: [u8; 32] = bytes.try_into().map_err(|_| {
            Error::invalid("file_key", format!("must be 32 bytes, got {}", bytes.len()))
        })?;
        Ok(FileKey(bytes))
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    fn aead(&self) -> LessSafeKey {
        // AES-256 takes any 32-byte key: this cannot fail.
        LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &self.0).unwrap_or_else(|_| unreachable!()))
    }
}

impl std::fmt::Debug for FileKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FileKey(<redacted>)")
    }
}

impl Drop for FileKey {
    fn drop(&mut self) {
        for b in self.0.iter_mut() {
            // Volatile so the wipe is not optimised away as a dead store.
            unsafe { std::ptr::write_volatile(b, 0) };
        }
    }
}

fn nonce(prefix: &[u8; PREFIX_LEN], index: u32, last: bool) -> Nonce {
    let mut n = [0u8; NONCE_LEN];
    n[..PREFIX_LEN].copy_from_slice(prefix);
    n[PREFIX_LEN..PREFIX_LEN + 4].copy_from_slice(&index.to_be_bytes());
    n[NONCE_LEN - 1] = u8::from(last);
    Nonce::assume_unique_for_key(n)
}

fn corrupt(path: &Path, detail: impl Into<String>) -> Error {
    Error::CorruptFile {
        path: path.display().to_string(),
        detail: detail.into(),
    }
}

fn io_error(path: &Path, e: io::Error) -> Error {
    Error::Storage(format!("{}: {e}", path.display()))
}

/// Writes `plaintext` sealed to `path`, atomically.
pub fn write_sealed(path: &Path, key: &FileKey, plaintext: &[u8]) -> Result<()> {
    let mut writer = SealedWriter::create(path, key)?;
    writer.write_all(plaintext).map_err(|e| io_error(path, e))?;
    writer.finish()
}

/// Reads and authenticates a sealed file. A wrong key, a flipped bit or a truncated file is
/// [`Error::CorruptFile`]; nothing unauthenticated is returned.
pub fn read_sealed(path: &Path, key: &FileKey) -> Result<Vec<u8>> {
    let mut reader = SealedReader::open(path, key)?;
    let mut out = Vec::new();
    reader.read_to_end(&mut out).map_err(|e| {
        if e.kind() == io::ErrorKind::InvalidData {
            corrupt(path, e.to_string())
        } else {
            io_error(path, e)
        }
    })?;
    Ok(out)
}

/// Streams plaintext into a sealed file. Nothing appears at `path` until [`finish`]
/// succeeds; dropping the writer unfinished removes the temporary file.
///
/// [`finish`]: SealedWriter::finish
pub struct SealedWriter {
    path: PathBuf,
    temp: PathBuf,
    file: Option<File>,
    key: LessSafeKey,
    header: [u8; HEADER_LEN],
    prefix: [u8; PREFIX_LEN],
    index: u32,
    buffer: Vec<u8>,
}

impl SealedWriter {
    pub fn create(path: &Path, key: &FileKey) -> Result<SealedWriter> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| io_error(dir, e))?;
        }
        let mut prefix = [0u8; PREFIX_LEN];
        SystemRandom::new()
            .fill(&mut prefix)
            .map_err(|_| Error::Internal("no system randomness".into()))?;
        let mut header = [0u8; HEADER_LEN];
        header[..MAGIC.len()].copy_from_slice(MAGIC);
        header[MAGIC.len()..].copy_from_slice(&prefix);
        let mut name = path.file_name().unwrap_or_default().to_os_string();
        name.push(format!(".tmp-{}", uuid::Uuid::new_v4().simple()));
        let temp = path.with_file_name(name);
        let mut file = File::create(&temp).map_err(|e| io_error(&temp, e))?;
        file.write_all(&header).map_err(|e| io_error(&temp, e))?;
        Ok(SealedWriter {
            path: path.to_path_buf(),
            temp,
            file: Some(file),
            key: key.aead(),
            header,
            prefix,
            index: 0,
            buffer: Vec::with_capacity(CHUNK_BYTES + TAG_LEN),
        })
    }

    fn seal_chunk(&mut self, plaintext_len: usize, last: bool) -> io::Result<()> {
        let rest = self.buffer.split_off(plaintext_len);
        let nonce = nonce(&self.prefix, self.index, last);
        self.key
            .seal_in_place_append_tag(nonce, Aad::from(&self.header), &mut self.buffer)
            .map_err(|_| io::Error::other("encryption failed"))?;
        let file = self
            .file
            .as_mut()
            .ok_or_else(|| io::Error::other("writer finished"))?;
        file.write_all(&self.buffer)?;
        self.buffer = rest;
        self.index = self
            .index
            .checked_add(1)
            .ok_or_else(|| io::Error::other("sealed file too large"))?;
        Ok(())
    }

    /// Seals the last chunk, syncs the file and renames it into place.
    pub fn finish(mut self) -> Result<()> {
        let len = self.buffer.len();
        self.seal_chunk(len, true)
            .map_err(|e| io_error(&self.temp, e))?;
        let file = self
            .file
            .take()
            .ok_or_else(|| Error::Internal("writer finished".into()))?;
        file.sync_all().map_err(|e| io_error(&self.temp, e))?;
        drop(file);
        std::fs::rename(&self.temp, &self.path).map_err(|e| io_error(&self.path, e))?;
        // The rename is durable only once the directory entry is.
        if let Some(dir) = self.path.parent()
            && let Ok(d) = File::open(dir)
        {
            let _ = d.sync_all();
        }
        Ok(())
    }
}

impl Write for SealedWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        // A chunk is sealed only once more data follows it, so the last chunk is always
        // the one `finish` seals with the last flag.
        let room = CHUNK_BYTES + 1 - self.buffer.len();
        let take = room.min(data.len());
        self.buffer.extend_from_slice(&data[..take]);
        if self.buffer.len() > CHUNK_BYTES {
            self.seal_chunk(CHUNK_BYTES, false)?;
        }
        Ok(take)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Drop for SealedWriter {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

/// Streams the authenticated plaintext of a sealed file. A chunk that fails to
/// authenticate is an `InvalidData` I/O error, and no byte of it is returned.
pub struct SealedReader {
    source: BufReader<File>,
    key: LessSafeKey,
    header: [u8; HEADER_LEN],
    prefix: [u8; PREFIX_LEN],
    index: u32,
    chunk: Vec<u8>,
    pos: usize,
    done: bool,
}

impl SealedReader {
    pub fn open(path: &Path, key: &FileKey) -> Result<SealedReader> {
        let file = File::open(path).map_err(|e| io_error(path, e))?;
        let mut source = BufReader::with_capacity(CHUNK_BYTES + TAG_LEN + 1, file);
        let mut header = [0u8; HEADER_LEN];
        source
            .read_exact(&mut header)
            .map_err(|_| corrupt(path, "too short for a sealed file"))?;
        if &header[..MAGIC.len()] != MAGIC {
            return Err(corrupt(path, "not a sealed file"));
        }
        let mut prefix = [0u8; PREFIX_LEN];
        prefix.copy_from_slice(&header[MAGIC.len()..]);
        Ok(SealedReader {
            source,
            key: key.aead(),
            header,
            prefix,
            index: 0,
            chunk: Vec::with_capacity(CHUNK_BYTES + TAG_LEN),
            pos: 0,
            done: false,
        })
    }

    fn next_chunk(&mut self) -> io::Result<()> {
        let bad = |what: &str| io::Error::new(io::ErrorKind::InvalidData, what.to_string());
        self.chunk.clear();
        self.pos = 0;
        (&mut self.source)
            .take((CHUNK_BYTES + TAG_LEN) as u64)
            .read_to_end(&mut self.chunk)?;
        let last = self.source.fill_buf()?.is_empty();
        if !last && self.chunk.len() != CHUNK_BYTES + TAG_LEN {
            return Err(bad("sealed file has a short chunk"));
        }
        let nonce = nonce(&self.prefix, self.index, last);
        let plain_len = self
            .key
            .open_in_place(nonce, Aad::from(&self.header), &mut self.chunk)
            .map_err(|_| {
                bad("sealed file failed authentication (wrong key, altered or truncated)")
            })?
            .len();
        self.chunk.truncate(plain_len);
        self.index = self
            .index
            .checked_add(1)
            .ok_or_else(|| bad("too many chunks"))?;
        self.done = last;
        Ok(())
    }
}

impl Read for SealedReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.chunk.len() {
            if self.done {
                return Ok(0);
            }
            self.next_chunk()?;
        }
        let n = out.len().min(self.chunk.len() - self.pos);
        out[..n].copy_from_slice(&self.chunk[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 31 % 251) as u8).collect()
    }

    #[test]
    fn round_trips_every_chunk_boundary() {
        let dir = tempfile::tempdir().unwrap();
        let key = FileKey::generate();
        for len in [
            0,
            1,
            CHUNK_BYTES - 1,
            CHUNK_BYTES,
            CHUNK_BYTES + 1,
            3 * CHUNK_BYTES + 7,
        ] {
            let path = dir.path().join(format!("f{len}"));
            let data = sample(len);
            write_sealed(&path, &key, &data).unwrap();
            assert_eq!(read_sealed(&path, &key).unwrap(), data, "length {len}");
            let raw = std::fs::read(&path).unwrap();
            let chunks = len / CHUNK_BYTES + 1 - usize::from(len > 0 && len % CHUNK_BYTES == 0);
            assert_eq!(
                raw.len(),
                HEADER_LEN + len + chunks * TAG_LEN,
                "length {len}"
            );
        }
    }

    #[test]
    fn plaintext_is_not_on_disk() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        let secret = b"Maria Lopez signed for 12 crates of Braeburn".repeat(100);
        write_sealed(&path, &FileKey::generate(), &secret).unwrap();
        let raw = std::fs::read(&path).unwrap();
        assert!(!raw.windows(11).any(|w| w == b"Maria Lopez"));
    }

    #[test]
    fn tampering_truncation_and_wrong_key_are_corrupt_file_errors() {
        let dir = tempfile::tempdir().unwrap();
        let key = FileKey::generate();
        let path = dir.path().join("f");
        let data = sample(2 * CHUNK_BYTES + 100);
        write_sealed(&path, &key, &data).unwrap();
        let raw = std::fs::read(&path).unwrap();

        let check = |bytes: &[u8], key: &FileKey, what: &str| {
            let p = dir.path().join("t");
            std::fs::write(&p, bytes).unwrap();
            match read_sealed(&p, key) {
                Err(Error::CorruptFile { .. }) => {}
                other => panic!("{what}: expected CorruptFile, got {other:?}"),
            }
        };
        check(&raw, &FileKey::generate(), "wrong key");
        let mut flipped = raw.clone();
        flipped[HEADER_LEN + CHUNK_BYTES + 40] ^= 1;
        check(&flipped, &key, "flipped bit");
        // Cut exactly after the first two chunks: every chunk authenticates, but the
        // last one read was not sealed as last.
        check(
            &raw[..HEADER_LEN + 2 * (CHUNK_BYTES + TAG_LEN)],
            &key,
            "truncated at a chunk",
        );
        check(&raw[..raw.len() - 1], &key, "truncated by a byte");
        check(&raw[..5], &key, "header cut");
        let mut swapped = raw[..HEADER_LEN].to_vec();
        swapped.extend_from_slice(
            &raw[HEADER_LEN + CHUNK_BYTES + TAG_LEN..HEADER_LEN + 2 * (CHUNK_BYTES + TAG_LEN)],
        );
        swapped.extend_from_slice(&raw[HEADER_LEN..HEADER_LEN + CHUNK_BYTES + TAG_LEN]);
        swapped.extend_from_slice(&raw[HEADER_LEN + 2 * (CHUNK_BYTES + TAG_LEN)..]);
        check(&swapped, &key, "reordered chunks");
    }

    #[test]
    fn unfinished_writer_leaves_nothing_and_keeps_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let key = FileKey::generate();
        let path = dir.path().join("f");
        write_sealed(&path, &key, b"old").unwrap();
        let mut w = SealedWriter::create(&path, &key).unwrap();
        w.write_all(&sample(3 * CHUNK_BYTES)).unwrap();
        drop(w);
        assert_eq!(read_sealed(&path, &key).unwrap(), b"old");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "temporary file left behind: {names:?}");
    }

    #[test]
    fn keys_must_be_32_bytes_and_debug_is_redacted() {
        assert!(FileKey::from_bytes(&[0; 31]).is_err());
        let key = FileKey::from_bytes(&[7; 32]).unwrap();
        assert_eq!(format!("{key:?}"), "FileKey(<redacted>)");
    }
}
