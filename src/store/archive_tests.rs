use super::*;

fn source() -> Source {
    Source {
        node_id: "n".into(),
        role: "national".into(),
        region: "100000".into(),
        origin: "o".into(),
        public_key: "00".into(),
        log_size: 3,
        checkpoint: Some("note".into()),
        taken_at: 1,
    }
}

/// An archive of `n` entries with values of `len` bytes.
fn archive(n: u32, len: usize) -> (Vec<u8>, Manifest) {
    let mut w = ArchiveWriter::new(Vec::new());
    for i in 0..n {
        w.push(&i.to_be_bytes(), &vec![i as u8; len]).unwrap();
    }
    w.finish(source()).unwrap()
}

fn read_all(bytes: &[u8]) -> Result<(crate::store::Entries, Manifest), ArchiveError> {
    let mut got = Vec::new();
    let m = read(bytes, |k, v| {
        got.push((k.to_vec(), v.to_vec()));
        Ok(())
    })?;
    Ok((got, m))
}

#[test]
fn an_archive_reads_back_every_entry_in_order_across_parts() {
    // Three parts: 16 MiB of entries does not fit in one.
    let (bytes, manifest) = archive(40, 1 << 20);
    assert_eq!(manifest.parts.len(), 3);
    assert_eq!(manifest.records, 40);
    let (got, read_manifest) = read_all(&bytes).unwrap();
    assert_eq!(read_manifest, manifest);
    assert_eq!(got.len(), 40);
    assert!(got
        .iter()
        .enumerate()
        .all(|(i, (k, v))| k == &(i as u32).to_be_bytes() && v.len() == 1 << 20));
}

#[test]
fn an_empty_store_makes_an_archive_of_a_manifest_alone() {
    let (bytes, manifest) = archive(0, 0);
    assert!(manifest.parts.is_empty());
    assert_eq!(read_all(&bytes).unwrap().0.len(), 0);
}

#[test]
fn a_cut_archive_is_refused() {
    let (bytes, _) = archive(10, 100);
    for cut in [bytes.len() / 2, bytes.len() - 1024 - 600] {
        let e = read_all(&bytes[..cut]).unwrap_err();
        assert!(
            e.to_string().contains("not a whole sjdj backup") || matches!(e, ArchiveError::Io(_)),
            "{e}"
        );
    }
    // Cut right after the last part: the manifest never comes.
    let (bytes, _) = archive(1, 10);
    let e = read_all(&bytes[..512 + 512]).unwrap_err();
    assert!(e.to_string().contains("before its manifest"), "{e}");
}

#[test]
fn an_altered_part_is_refused_with_its_name() {
    let (mut bytes, _) = archive(10, 100);
    // Inside the first part's data (after its 512-byte header), in a value.
    bytes[512 + 20] ^= 1;
    let e = read_all(&bytes).unwrap_err();
    assert!(
        e.to_string()
            .contains("store-000000.kv does not match the manifest"),
        "{e}"
    );
}

#[test]
fn a_manifest_of_another_format_is_refused() {
    let w = ArchiveWriter::new(Vec::new());
    let (bytes, _) = w.finish(source()).unwrap();
    let text = String::from_utf8_lossy(&bytes).replace(FORMAT, "sjdj-backup/9");
    let e = read_all(text.as_bytes()).unwrap_err();
    // The tar header's checksum or the format check refuses it.
    assert!(
        e.to_string().contains("format") || matches!(e, ArchiveError::Io(_)),
        "{e}"
    );
}
