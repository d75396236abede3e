//! A minimal PNG writer for 1-bit grayscale images.
//!
//! Why not the `png` crate: it is well made, but it adds about 80 KB of
//! compressor code to a component whose size is a product goal, for images
//! of a few kilobytes. This writer emits the smallest valid subset of the
//! format (PNG 1.2 / RFC 2083): IHDR, one IDAT holding a zlib stream of
//! *stored* deflate blocks (RFC 1950/1951, no compression), IEND. Every PNG
//! reader accepts it; the images stay small because they are one bit per
//! pixel.

/// The most bytes one stored deflate block holds.
const STORED_MAX: usize = 65_535;

/// Encodes `rows` (each `row_bytes` long, 1 bit per pixel, most significant
/// bit first, 1 = white) as a `width` x `height` 1-bit grayscale PNG.
pub(crate) fn gray1(width: u32, height: u32, pixels: &[u8]) -> Vec<u8> {
    let row_bytes = (width as usize).div_ceil(8);
    debug_assert_eq!(pixels.len(), row_bytes * height as usize);
    // Each scanline starts with its filter type (0: none).
    let mut raw = Vec::with_capacity((row_bytes + 1) * height as usize);
    for row in pixels.chunks_exact(row_bytes.max(1)).take(height as usize) {
        raw.push(0);
        raw.extend_from_slice(row);
    }

    let mut out = Vec::with_capacity(raw.len() + raw.len() / STORED_MAX * 5 + 64);
    out.extend_from_slice(b"\x89PNG\r\n\x1a\n");

    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    // Bit depth 1, colour type 0 (grayscale), deflate, adaptive filtering,
    // no interlace.
    ihdr.extend_from_slice(&[1, 0, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &zlib_stored(&raw));
    chunk(&mut out, b"IEND", &[]);
    out
}

/// A zlib stream of stored (uncompressed) deflate blocks.
fn zlib_stored(data: &[u8]) -> Vec<u8> {
    let mut z = Vec::with_capacity(data.len() + data.len() / STORED_MAX * 5 + 11);
    // CMF: deflate with a 32 KB window; FLG: no dictionary, check bits so
    // that CMF * 256 + FLG is a multiple of 31.
    z.extend_from_slice(&[0x78, 0x01]);
    let mut blocks = data.chunks(STORED_MAX).peekable();
    if blocks.peek().is_none() {
        z.extend_from_slice(&[1, 0, 0, 0xFF, 0xFF]);
    }
    while let Some(block) = blocks.next() {
        let last = u8::from(blocks.peek().is_none());
        let len = block.len() as u16;
        z.push(last);
        z.extend_from_slice(&len.to_le_bytes());
        z.extend_from_slice(&(!len).to_le_bytes());
        z.extend_from_slice(block);
    }
    z.extend_from_slice(&adler32(data).to_be_bytes());
    z
}

/// Appends one chunk: length, type, data, CRC of type and data.
fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

/// CRC-32 (ISO 3309, reflected polynomial 0xEDB88320), bit by bit: the
/// images are a few kilobytes, so a table would cost more than it saves.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// Adler-32 (RFC 1950).
fn adler32(bytes: &[u8]) -> u32 {
    const MOD: u32 = 65_521;
    let (mut a, mut b) = (1u32, 0u32);
    for chunk in bytes.chunks(5_552) {
        for &x in chunk {
            a += u32::from(x);
            b += a;
        }
        a %= MOD;
        b %= MOD;
    }
    (b << 16) | a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksums_match_published_values() {
        // Check values from the CRC-32 and Adler-32 references.
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b"IEND"), 0xAE42_6082);
        assert_eq!(adler32(b"Wikipedia"), 0x11E6_0398);
        assert_eq!(adler32(b""), 1);
    }

    #[test]
    fn a_large_image_spans_several_stored_blocks_and_decodes() {
        // 1200 x 500 at 1 bit: 150 bytes a row, 75,500 bytes of scanlines,
        // more than one stored block.
        let (w, h) = (1200u32, 500u32);
        let row = (w as usize).div_ceil(8);
        let pixels: Vec<u8> = (0..row * h as usize).map(|i| (i * 7 % 251) as u8).collect();
        let bytes = gray1(w, h, &pixels);
        let mut decoder = png::Decoder::new(std::io::Cursor::new(&bytes));
        decoder.set_transformations(png::Transformations::IDENTITY);
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!((info.width, info.height), (w, h));
        assert_eq!(info.bit_depth, png::BitDepth::One);
        assert_eq!(info.color_type, png::ColorType::Grayscale);
        assert_eq!(&buf[..info.buffer_size()], &pixels[..]);
    }

    #[test]
    fn an_empty_stream_is_still_valid_zlib() {
        let z = zlib_stored(&[]);
        assert_eq!(z, [0x78, 0x01, 1, 0, 0, 0xFF, 0xFF, 0, 0, 0, 1]);
    }
}
