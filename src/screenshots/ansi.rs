//! Reads `tmux capture-pane -e` output (text with SGR escapes) into a ratatui
//! `Buffer`, so a screenshot shows exactly what the terminal showed.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use unicode_width::UnicodeWidthChar;

pub fn parse(text: &str, width: u16, height: u16) -> Buffer {
    let mut buf = Buffer::empty(Rect::new(0, 0, width, height));
    let mut style = Style::reset();
    for (y, line) in text.split('\n').take(usize::from(height)).enumerate() {
        let mut x: u16 = 0;
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '\x1b' {
                if chars.peek() == Some(&'[') {
                    chars.next();
                    let mut params = String::new();
                    let mut fin = ' ';
                    for p in chars.by_ref() {
                        if p.is_ascii_alphabetic() {
                            fin = p;
                            break;
                        }
                        params.push(p);
                    }
                    if fin == 'm' {
                        style = apply_sgr(style, &params);
                    }
                } else {
                    // OSC and other escapes (tmux may emit hyperlinks): skip to BEL or ST.
                    for p in chars.by_ref() {
                        if p == '\x07' || p == '\\' {
                            break;
                        }
                    }
                }
                continue;
            }
            if c == '\r' {
                continue;
            }
            let w = c.width().unwrap_or(0) as u16;
            if w == 0 || x + w > width {
                continue;
            }
            if let Some(cell) = buf.cell_mut((x, y as u16)) {
                cell.set_char(c).set_style(style);
            }
            x += w;
        }
        // The rest of the line keeps the background in force, as a terminal would.
        for rest in x..width {
            if let Some(cell) = buf.cell_mut((rest, y as u16)) {
                cell.set_style(Style::default().bg(style.bg.unwrap_or(Color::Reset)));
            }
        }
    }
    buf
}

fn apply_sgr(mut style: Style, params: &str) -> Style {
    let nums: Vec<u16> = if params.is_empty() {
        vec![0]
    } else {
        params
            .split([';', ':'])
            .map(|p| p.parse().unwrap_or(0))
            .collect()
    };
    let mut i = 0;
    while i < nums.len() {
        let n = nums[i];
        match n {
            0 => style = Style::reset(),
            1 => style = style.add_modifier(Modifier::BOLD),
            2 => style = style.add_modifier(Modifier::DIM),
            3 => style = style.add_modifier(Modifier::ITALIC),
            4 => style = style.add_modifier(Modifier::UNDERLINED),
            7 => style = style.add_modifier(Modifier::REVERSED),
            9 => style = style.add_modifier(Modifier::CROSSED_OUT),
            22 => style = style.remove_modifier(Modifier::BOLD | Modifier::DIM),
            23 => style = style.remove_modifier(Modifier::ITALIC),
            24 => style = style.remove_modifier(Modifier::UNDERLINED),
            27 => style = style.remove_modifier(Modifier::REVERSED),
            30..=37 => style = style.fg(ansi(n - 30)),
            39 => style = style.fg(Color::Reset),
            40..=47 => style = style.bg(ansi(n - 40)),
            49 => style = style.bg(Color::Reset),
            90..=97 => style = style.fg(ansi(n - 90 + 8)),
            100..=107 => style = style.bg(ansi(n - 100 + 8)),
            38 | 48 => {
                let color = match nums.get(i + 1) {
                    Some(5) => {
                        let c = nums.get(i + 2).copied().unwrap_or(0);
                        i += 2;
                        Color::Indexed(c as u8)
                    }
                    Some(2) => {
                        let g = |k: usize| nums.get(i + k).copied().unwrap_or(0) as u8;
                        let c = Color::Rgb(g(2), g(3), g(4));
                        i += 4;
                        c
                    }
                    _ => Color::Reset,
                };
                style = if n == 38 {
                    style.fg(color)
                } else {
                    style.bg(color)
                };
            }
            _ => {}
        }
        i += 1;
    }
    style
}

fn ansi(n: u16) -> Color {
    match n {
        0 => Color::Black,
        1 => Color::Red,
        2 => Color::Green,
        3 => Color::Yellow,
        4 => Color::Blue,
        5 => Color::Magenta,
        6 => Color::Cyan,
        7 => Color::Gray,
        8 => Color::DarkGray,
        9 => Color::LightRed,
        10 => Color::LightGreen,
        11 => Color::LightYellow,
        12 => Color::LightBlue,
        13 => Color::LightMagenta,
        14 => Color::LightCyan,
        _ => Color::White,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_and_text_land_in_cells() {
        let buf = parse("\x1b[1;31mAB\x1b[0m C\n\x1b[38;5;75mx", 4, 2);
        let a = &buf[(0, 0)];
        assert_eq!(a.symbol(), "A");
        assert_eq!(a.fg, Color::Red);
        assert!(a.modifier.contains(Modifier::BOLD));
        assert_eq!(buf[(3, 0)].symbol(), "C");
        assert_eq!(buf[(0, 1)].fg, Color::Indexed(75));
    }
}
