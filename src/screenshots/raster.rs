//! Turns a ratatui `Buffer` into a PNG: an 8x8 bitmap font drawn at 8x16 per
//! cell, with the 16 ANSI colours, the 256-colour palette and RGB.

use std::io::Write;

use font8x8::UnicodeFonts;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};

const CELL_W: usize = 8;
const CELL_H: usize = 16;

/// The terminal's own default colours when a cell says `Reset`.
const DEFAULT_FG: [u8; 3] = [0xd0, 0xd0, 0xd0];
const DEFAULT_BG: [u8; 3] = [0x1c, 0x1c, 0x1c];

const ANSI: [[u8; 3]; 16] = [
    [0x1c, 0x1c, 0x1c],
    [0xcc, 0x33, 0x33],
    [0x4e, 0xb3, 0x4e],
    [0xd7, 0xaf, 0x2f],
    [0x3b, 0x7b, 0xd9],
    [0xb0, 0x5f, 0xc0],
    [0x2a, 0xb7, 0xc4],
    [0xc8, 0xc8, 0xc8],
    [0x6c, 0x6c, 0x6c],
    [0xff, 0x55, 0x55],
    [0x6f, 0xe0, 0x6f],
    [0xff, 0xe0, 0x5a],
    [0x6f, 0xa8, 0xff],
    [0xe0, 0x8a, 0xf0],
    [0x5f, 0xe8, 0xf0],
    [0xff, 0xff, 0xff],
];

fn rgb(c: Color, default: [u8; 3]) -> [u8; 3] {
    match c {
        Color::Reset => default,
        Color::Black => ANSI[0],
        Color::Red => ANSI[1],
        Color::Green => ANSI[2],
        Color::Yellow => ANSI[3],
        Color::Blue => ANSI[4],
        Color::Magenta => ANSI[5],
        Color::Cyan => ANSI[6],
        Color::Gray => ANSI[7],
        Color::DarkGray => ANSI[8],
        Color::LightRed => ANSI[9],
        Color::LightGreen => ANSI[10],
        Color::LightYellow => ANSI[11],
        Color::LightBlue => ANSI[12],
        Color::LightMagenta => ANSI[13],
        Color::LightCyan => ANSI[14],
        Color::White => ANSI[15],
        Color::Rgb(r, g, b) => [r, g, b],
        Color::Indexed(i) => indexed(i),
    }
}

fn indexed(i: u8) -> [u8; 3] {
    match i {
        0..=15 => ANSI[usize::from(i)],
        16..=231 => {
            let i = i - 16;
            let level = |v: u8| if v == 0 { 0 } else { 55 + v * 40 };
            [level(i / 36), level((i / 6) % 6), level(i % 6)]
        }
        232..=255 => {
            let v = 8 + (i - 232) * 10;
            [v, v, v]
        }
    }
}

/// Glyphs the bitmap font lacks, drawn by hand (8 rows of 8 bits, bit 0 left).
fn extra_glyph(c: char) -> Option<[u8; 8]> {
    Some(match c {
        '●' => [0x00, 0x3C, 0x7E, 0x7E, 0x7E, 0x7E, 0x3C, 0x00],
        '○' => [0x00, 0x3C, 0x42, 0x42, 0x42, 0x42, 0x3C, 0x00],
        '✖' | '×' => [0x00, 0x42, 0x24, 0x18, 0x18, 0x24, 0x42, 0x00],
        '▲' | '⚠' => [0x00, 0x18, 0x18, 0x3C, 0x3C, 0x7E, 0x7E, 0x00],
        '…' => [0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x49, 0x00],
        '·' => [0x00, 0x00, 0x00, 0x18, 0x18, 0x00, 0x00, 0x00],
        '↑' => [0x18, 0x3C, 0x5A, 0x18, 0x18, 0x18, 0x18, 0x00],
        '↓' => [0x18, 0x18, 0x18, 0x18, 0x5A, 0x3C, 0x18, 0x00],
        '←' => [0x00, 0x04, 0x02, 0x7F, 0x02, 0x04, 0x00, 0x00],
        '→' => [0x00, 0x20, 0x40, 0xFE, 0x40, 0x20, 0x00, 0x00],
        '✔' | '✓' => [0x00, 0x80, 0x40, 0x20, 0x13, 0x0E, 0x04, 0x00],
        '—' | '–' => [0x00, 0x00, 0x00, 0xFF, 0x00, 0x00, 0x00, 0x00],
        '›' => [0x00, 0x04, 0x08, 0x10, 0x08, 0x04, 0x00, 0x00],
        '“' | '”' | '„' => [0x36, 0x36, 0x24, 0x00, 0x00, 0x00, 0x00, 0x00],
        '‘' | '’' => [0x0C, 0x0C, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00],
        '▶' => [0x02, 0x06, 0x0E, 0x1E, 0x0E, 0x06, 0x02, 0x00],
        _ => return None,
    })
}

/// Rows of a glyph at 8x16. Box-drawing and block characters are drawn so they
/// join across cells; everything else is the 8x8 glyph doubled vertically.
fn glyph16(c: char) -> [u8; 16] {
    let mut out = [0u8; 16];
    if let Some(rows) = block_glyph(c) {
        return rows;
    }
    let rows = font8x8::BASIC_FONTS
        .get(c)
        .or_else(|| font8x8::LATIN_FONTS.get(c))
        .or_else(|| font8x8::BOX_FONTS.get(c))
        .or_else(|| font8x8::BLOCK_FONTS.get(c))
        .or_else(|| font8x8::GREEK_FONTS.get(c))
        .or_else(|| font8x8::MISC_FONTS.get(c))
        .or_else(|| extra_glyph(c))
        .unwrap_or(if c == ' ' {
            [0; 8]
        } else {
            [0x00, 0x7E, 0x42, 0x42, 0x42, 0x42, 0x7E, 0x00]
        });
    for (i, r) in rows.iter().enumerate() {
        out[i * 2] = *r;
        out[i * 2 + 1] = *r;
    }
    out
}

/// Lines and blocks that must reach the cell edges.
fn block_glyph(c: char) -> Option<[u8; 16]> {
    let mut g = [0u8; 16];
    let h_mid = |g: &mut [u8; 16], thick: bool| {
        g[7] = 0xFF;
        if thick {
            g[8] = 0xFF;
        }
    };
    let v_mid = |g: &mut [u8; 16], from: usize, to: usize, thick: bool| {
        for row in g.iter_mut().take(to).skip(from) {
            *row |= if thick { 0x18 } else { 0x08 };
        }
    };
    let left_half = 0x0F;
    let right_half = 0xF0;
    match c {
        '─' => h_mid(&mut g, false),
        '━' => h_mid(&mut g, true),
        '│' => v_mid(&mut g, 0, 16, false),
        '┃' => v_mid(&mut g, 0, 16, true),
        '┌' | '┏' | '╭' => {
            g[7] |= right_half;
            v_mid(&mut g, 7, 16, c == '┏');
            if c == '┏' {
                g[8] |= right_half;
            }
        }
        '┐' | '┓' | '╮' => {
            g[7] |= left_half | 0x08;
            v_mid(&mut g, 7, 16, c == '┓');
            if c == '┓' {
                g[8] |= left_half | 0x18;
            }
        }
        '└' | '┗' | '╰' => {
            g[7] |= right_half;
            v_mid(&mut g, 0, 8, c == '┗');
            if c == '┗' {
                g[8] |= right_half | 0x18;
            }
        }
        '┘' | '┛' | '╯' => {
            g[7] |= left_half | 0x08;
            v_mid(&mut g, 0, 8, c == '┛');
            if c == '┛' {
                g[8] |= left_half | 0x18;
            }
        }
        '▁'..='█' => {
            let eighths = (c as u32 - '▁' as u32 + 1) as usize;
            let rows = eighths * 2;
            for row in g.iter_mut().skip(16 - rows) {
                *row = 0xFF;
            }
        }
        _ => return None,
    }
    Some(g)
}

/// Writes `buf` as a PNG, each cell `8*scale` by `16*scale` pixels.
pub fn write_png(buf: &Buffer, scale: usize, out: impl Write) -> Result<(), png::EncodingError> {
    let area = buf.area;
    let (cols, rows) = (usize::from(area.width), usize::from(area.height));
    let (w, h) = (cols * CELL_W * scale, rows * CELL_H * scale);
    let mut pixels = vec![0u8; w * h * 3];
    for y in 0..rows {
        for x in 0..cols {
            let Some(cell) = buf.cell((area.x + x as u16, area.y + y as u16)) else {
                continue;
            };
            let style = cell.style();
            let mut fg = rgb(style.fg.unwrap_or(Color::Reset), DEFAULT_FG);
            let mut bg = rgb(style.bg.unwrap_or(Color::Reset), DEFAULT_BG);
            let mods = style.add_modifier;
            if mods.contains(Modifier::REVERSED) {
                std::mem::swap(&mut fg, &mut bg);
            }
            if mods.contains(Modifier::DIM) {
                fg = fg.map(|v| (u16::from(v) * 6 / 10) as u8);
            }
            let ch = cell.symbol().chars().next().unwrap_or(' ');
            let mut glyph = glyph16(ch);
            if mods.contains(Modifier::BOLD) {
                for r in &mut glyph {
                    *r |= *r << 1;
                }
            }
            if mods.contains(Modifier::UNDERLINED) {
                glyph[15] = 0xFF;
            }
            for (gy, row) in glyph.iter().enumerate() {
                for gx in 0..CELL_W {
                    let on = row & (1 << gx) != 0;
                    let color = if on { fg } else { bg };
                    for sy in 0..scale {
                        for sx in 0..scale {
                            let px = (x * CELL_W + gx) * scale + sx;
                            let py = (y * CELL_H + gy) * scale + sy;
                            let i = (py * w + px) * 3;
                            pixels[i..i + 3].copy_from_slice(&color);
                        }
                    }
                }
            }
        }
    }
    let mut enc = png::Encoder::new(out, w as u32, h as u32);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    let mut writer = enc.write_header()?;
    writer.write_image_data(&pixels)?;
    writer.finish()
}
