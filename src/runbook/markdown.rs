//! Markdown to a flat list of elements: headings, bold labels (`**Symptoms:**`),
//! paragraphs, lists with their items' inline code and nested blocks, fenced code
//! blocks and `<!-- opsdeck: … -->` annotations. Tables are skipped. One pass over
//! pulldown-cmark's events; every line number comes from a [`LineIndex`].

use std::path::Path;

use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};

use super::annotation;
use super::error::RunbookError;
use super::lines::LineIndex;

#[derive(Debug, Clone)]
pub(super) enum Segment {
    Text(String),
    Code(String),
}

#[derive(Debug, Clone)]
pub(super) struct CodeBlock {
    pub lang: String,
    pub json: Option<String>,
    pub code: String,
    /// Line of the opening fence (1-based).
    pub line: usize,
    pub first_line: usize,
}

/// A list item: its text with inline code, nested items as notes, and the code
/// blocks inside it with the annotation comment before each.
#[derive(Debug, Clone, Default)]
pub(super) struct Item {
    pub segments: Vec<Segment>,
    pub notes: Vec<String>,
    pub codes: Vec<(CodeBlock, Option<(String, usize)>)>,
    pub line: usize,
}

#[derive(Debug, Clone)]
pub(super) enum Element {
    Heading {
        level: u8,
        text: String,
        line: usize,
    },
    Label {
        text: String,
        line: usize,
    },
    Paragraph {
        text: String,
    },
    List {
        ordered: bool,
        task: bool,
        items: Vec<Item>,
    },
    Code(CodeBlock),
    Annotation {
        json: String,
        line: usize,
    },
}

/// The text of segments, inline code in backquotes, spaces collapsed.
pub(super) fn render(segments: &[Segment]) -> String {
    let mut out = String::new();
    for s in segments {
        match s {
            Segment::Text(t) => out.push_str(t),
            Segment::Code(c) => {
                out.push('`');
                out.push_str(c);
                out.push('`');
            }
        }
    }
    collapse_spaces(&out)
}

pub(super) fn collapse_spaces(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[derive(Default)]
struct Para {
    segments: Vec<Segment>,
    strong: String,
    outside: String,
    line: usize,
}

/// How deep nested lists are kept as items of their own.
const MAX_NESTING: usize = 16;

pub(super) fn parse_elements(text: &str, origin: &Path) -> Result<Vec<Element>, RunbookError> {
    let index = LineIndex::new(text);
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_FOOTNOTES;
    let mut elements = Vec::new();
    let mut lists: Vec<(bool, bool, Vec<Item>)> = Vec::new();
    let mut items: Vec<Item> = Vec::new();
    let mut para: Option<Para> = None;
    let mut heading: Option<(u8, String, usize)> = None;
    let mut code: Option<CodeBlock> = None;
    let mut table_depth = 0usize;
    let mut deep_lists = 0usize;
    let mut strong_depth = 0usize;
    let mut pending_code_annotation: Option<(String, usize)> = None;
    // HTML blocks arrive line by line; a comment may span several.
    let mut html_block: Option<(String, usize)> = None;

    for (event, range) in Parser::new_ext(text, options).into_offset_iter() {
        let line = index.line(range.start);
        if table_depth > 0 {
            match event {
                Event::Start(Tag::Table(_)) => table_depth += 1,
                Event::End(TagEnd::Table) => table_depth -= 1,
                _ => {}
            }
            continue;
        }
        match event {
            Event::Start(Tag::Table(_)) => table_depth = 1,
            Event::Start(Tag::Heading { level, .. }) => {
                heading = Some((level as u8, String::new(), line));
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((level, t, line)) = heading.take() {
                    elements.push(Element::Heading {
                        level,
                        text: collapse_spaces(&t),
                        line,
                    });
                }
            }
            Event::Start(Tag::Paragraph) => {
                para = Some(Para {
                    line,
                    ..Para::default()
                });
            }
            Event::End(TagEnd::Paragraph) => {
                if let Some(p) = para.take() {
                    if let Some(item) = items.last_mut() {
                        if !item.segments.is_empty() {
                            item.segments.push(Segment::Text(" ".into()));
                        }
                        item.segments.extend(p.segments);
                    } else {
                        let outside = p.outside.trim();
                        if !p.strong.trim().is_empty() && (outside.is_empty() || outside == ":") {
                            elements.push(Element::Label {
                                text: collapse_spaces(p.strong.trim().trim_end_matches(':')),
                                line: p.line,
                            });
                        } else {
                            elements.push(Element::Paragraph {
                                text: render(&p.segments),
                            });
                        }
                    }
                }
            }
            Event::Start(Tag::Strong) => strong_depth += 1,
            Event::End(TagEnd::Strong) => strong_depth = strong_depth.saturating_sub(1),
            // Lists nested deeper than MAX_NESTING fold into their last tracked
            // item, so that moving notes up the levels stays linear.
            Event::Start(Tag::List(_)) if lists.len() >= MAX_NESTING || deep_lists > 0 => {
                deep_lists += 1;
            }
            Event::End(TagEnd::List(_)) if deep_lists > 0 => deep_lists -= 1,
            Event::Start(Tag::Item) if deep_lists > 0 => {
                if let Some(item) = items.last_mut() {
                    item.segments.push(Segment::Text(" ".into()));
                }
            }
            Event::End(TagEnd::Item) if deep_lists > 0 => {}
            Event::Start(Tag::List(start)) => lists.push((start.is_some(), false, Vec::new())),
            Event::End(TagEnd::List(_)) => {
                if let Some((ordered, task, list_items)) = lists.pop()
                    && lists.is_empty()
                {
                    elements.push(Element::List {
                        ordered,
                        task,
                        items: list_items,
                    });
                }
            }
            Event::Start(Tag::Item) => items.push(Item {
                line,
                ..Item::default()
            }),
            Event::End(TagEnd::Item) => {
                if let Some(item) = items.pop() {
                    if lists.len() > 1 {
                        if let Some(parent) = items.last_mut() {
                            let t = render(&item.segments);
                            if !t.is_empty() {
                                parent.notes.push(t);
                            }
                            parent.notes.extend(item.notes);
                            parent.codes.extend(item.codes);
                        }
                    } else if let Some(list) = lists.last_mut() {
                        list.2.push(item);
                    }
                }
            }
            Event::Start(Tag::BlockQuote(_)) => {
                // `- >10% errors` is a list item starting with `>`, not a quote.
                if let Some(item) = items.last_mut()
                    && item.segments.is_empty()
                {
                    item.segments.push(Segment::Text(">".into()));
                }
            }
            Event::TaskListMarker(_) => {
                if let Some(list) = lists.last_mut() {
                    list.1 = true;
                }
            }
            Event::Start(Tag::CodeBlock(kind)) => {
                let (info, first_line) = match &kind {
                    CodeBlockKind::Fenced(info) => (info.to_string(), line + 1),
                    CodeBlockKind::Indented => (String::new(), line),
                };
                let (lang, json) = annotation::split_fence_info(&info);
                code = Some(CodeBlock {
                    lang,
                    json: json.map(str::to_string),
                    code: String::new(),
                    line,
                    first_line,
                });
            }
            Event::End(TagEnd::CodeBlock) => {
                if let Some(block) = code.take() {
                    let html = pending_code_annotation.take();
                    if let Some(item) = items.last_mut() {
                        item.codes.push((block, html));
                    } else {
                        if let Some((json, line)) = html {
                            elements.push(Element::Annotation { json, line });
                        }
                        elements.push(Element::Code(block));
                    }
                }
            }
            Event::Text(t) => {
                if let Some(block) = code.as_mut() {
                    block.code.push_str(&t);
                } else if let Some((_, h, _)) = heading.as_mut() {
                    h.push_str(&t);
                } else if let Some(p) = para.as_mut() {
                    if strong_depth > 0 {
                        p.strong.push_str(&t);
                    } else {
                        p.outside.push_str(&t);
                    }
                    p.segments.push(Segment::Text(t.to_string()));
                } else if let Some(item) = items.last_mut() {
                    item.segments.push(Segment::Text(t.to_string()));
                }
            }
            Event::Code(c) => {
                if let Some((_, h, _)) = heading.as_mut() {
                    h.push_str(&c);
                } else if let Some(p) = para.as_mut() {
                    if strong_depth > 0 {
                        p.strong.push_str(&c);
                    } else {
                        p.outside.push_str(&c);
                    }
                    p.segments.push(Segment::Code(c.to_string()));
                } else if let Some(item) = items.last_mut() {
                    item.segments.push(Segment::Code(c.to_string()));
                }
            }
            Event::SoftBreak | Event::HardBreak => {
                if let Some(p) = para.as_mut() {
                    p.segments.push(Segment::Text(" ".into()));
                    p.outside.push(' ');
                } else if let Some(item) = items.last_mut() {
                    item.segments.push(Segment::Text(" ".into()));
                }
            }
            Event::Start(Tag::HtmlBlock) => html_block = Some((String::new(), line)),
            Event::Html(html) if html_block.is_some() => {
                if let Some((text, _)) = html_block.as_mut() {
                    text.push_str(&html);
                }
            }
            Event::End(TagEnd::HtmlBlock) | Event::InlineHtml(_) => {
                let (html, line) = match event {
                    Event::InlineHtml(html) => (html.to_string(), line),
                    _ => html_block.take().unwrap_or_default(),
                };
                if let Some(json) = annotation::from_html_comment(&html) {
                    // Validate now so the error carries the comment's line.
                    annotation::parse(json, origin, line)?;
                    if items.is_empty() {
                        elements.push(Element::Annotation {
                            json: json.to_string(),
                            line,
                        });
                    } else {
                        pending_code_annotation = Some((json.to_string(), line));
                    }
                }
            }
            _ => {}
        }
    }
    Ok(elements)
}
