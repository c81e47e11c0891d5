//! Colour names in theme files.

use ratatui::style::Color;

/// Parses a colour: one of the 16 ANSI names (`red`, `bright-red`, `dark-gray`, …),
/// `reset`, an index `0`–`255`, or `#rrggbb`. RGB colours are reduced to the
/// 256-colour palette when the terminal does not announce truecolor.
pub fn parse_color(text: &str, truecolor: bool) -> Result<Color, String> {
    let t = text.trim().to_ascii_lowercase().replace('_', "-");
    let named = match t.as_str() {
        "reset" | "default" | "none" => Some(Color::Reset),
        "black" => Some(Color::Black),
        "red" => Some(Color::Red),
        "green" => Some(Color::Green),
        "yellow" => Some(Color::Yellow),
        "blue" => Some(Color::Blue),
        "magenta" => Some(Color::Magenta),
        "cyan" => Some(Color::Cyan),
        // ANSI colour 7 is called white by terminals and gray by ratatui.
        "gray" | "grey" | "white" => Some(Color::Gray),
        "dark-gray" | "dark-grey" | "bright-black" => Some(Color::DarkGray),
        "bright-red" | "light-red" => Some(Color::LightRed),
        "bright-green" | "light-green" => Some(Color::LightGreen),
        "bright-yellow" | "light-yellow" => Some(Color::LightYellow),
        "bright-blue" | "light-blue" => Some(Color::LightBlue),
        "bright-magenta" | "light-magenta" => Some(Color::LightMagenta),
        "bright-cyan" | "light-cyan" => Some(Color::LightCyan),
        "bright-white" | "light-white" => Some(Color::White),
        _ => None,
    };
    if let Some(c) = named {
        return Ok(c);
    }
    if let Ok(index) = t.parse::<u8>() {
        return Ok(Color::Indexed(index));
    }
    if let Some(hex) = t.strip_prefix('#')
        && hex.len() == 6
        && let Ok(v) = u32::from_str_radix(hex, 16)
    {
        let (r, g, b) = ((v >> 16) as u8, (v >> 8) as u8, v as u8);
        return Ok(if truecolor {
            Color::Rgb(r, g, b)
        } else {
            Color::Indexed(rgb_to_256(r, g, b))
        });
    }
    Err(format!(
        "unknown colour `{text}` (use a name such as green or bright-red, 0-255, or #rrggbb)"
    ))
}

/// Nearest colour of the xterm 6x6x6 cube or grey ramp.
fn rgb_to_256(r: u8, g: u8, b: u8) -> u8 {
    let level = |v: u8| -> u8 {
        if v < 48 {
            0
        } else if v < 115 {
            1
        } else {
            (v - 35) / 40
        }
    };
    let (cr, cg, cb) = (level(r), level(g), level(b));
    let cube = 16 + 36 * cr + 6 * cg + cb;
    let spread = r.max(g).max(b) - r.min(g).min(b);
    if spread < 10 {
        let avg = (u16::from(r) + u16::from(g) + u16::from(b)) / 3;
        if avg < 8 {
            return 16;
        }
        if avg > 238 {
            return 231;
        }
        return 232 + ((avg - 8) / 10).min(23) as u8;
    }
    cube
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_indexes_and_hex() {
        assert_eq!(parse_color("green", true), Ok(Color::Green));
        assert_eq!(parse_color("bright-red", true), Ok(Color::LightRed));
        assert_eq!(parse_color("dark_gray", true), Ok(Color::DarkGray));
        assert_eq!(parse_color("244", true), Ok(Color::Indexed(244)));
        assert_eq!(parse_color("#ff0000", true), Ok(Color::Rgb(255, 0, 0)));
        assert_eq!(parse_color("#ff0000", false), Ok(Color::Indexed(196)));
        assert_eq!(parse_color("#000000", false), Ok(Color::Indexed(16)));
    }

    #[test]
    fn unknown_colour_says_what_is_allowed() {
        let err = parse_color("grene", true).unwrap_err();
        assert!(err.contains("unknown colour `grene`"), "{err}");
    }
}
