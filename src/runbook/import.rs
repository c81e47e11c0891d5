//! Markdown → [`Runbook`]. Headings make procedures; bold labels such as
//! `**Symptoms:**` make phases (or, outside incident sections, procedures of their
//! own); lists, code blocks and inline code make steps and commands.
//!
//! The importer never panics on any input: unknown shapes just yield fewer steps.

use std::path::Path;
use std::sync::LazyLock;

use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};
use regex::Regex;
use sha2::{Digest, Sha256};

use super::annotation::{self, Annotation};
use super::blocks::{self, BlockContext, BlockKind};
use super::error::RunbookError;
use super::model::{Command, Interpreter, Phase, PhaseKind, Procedure, Runbook, Severity, Step};
use super::risk::Rules;
use crate::config::error::line_of;

/// Reads and imports a runbook with the built-in risk rules.
pub fn import_file(path: &Path) -> Result<Runbook, RunbookError> {
    import_file_with(path, &Rules::builtin())
}

/// Reads and imports a runbook, classifying commands with `rules`.
pub fn import_file_with(path: &Path, rules: &Rules) -> Result<Runbook, RunbookError> {
    let bytes = std::fs::read(path).map_err(|err| RunbookError::Read {
        path: path.to_path_buf(),
        reason: format!("{err}; check the path"),
    })?;
    let text = decode(&bytes, path)?;
    import_text(text, &bytes, path, rules)
}

/// Imports Markdown text with the built-in rules; `origin` names it in errors.
pub fn import_str(text: &str, origin: &Path) -> Result<Runbook, RunbookError> {
    import_str_with(text, origin, &Rules::builtin())
}

/// Imports Markdown text, classifying commands with `rules`.
pub fn import_str_with(text: &str, origin: &Path, rules: &Rules) -> Result<Runbook, RunbookError> {
    if let Some(offset) = text.find('\0') {
        return Err(RunbookError::NotText {
            path: origin.to_path_buf(),
            line: line_of(text, offset),
            offset,
        });
    }
    import_text(text, text.as_bytes(), origin, rules)
}

fn decode<'a>(bytes: &'a [u8], path: &Path) -> Result<&'a str, RunbookError> {
    let not_text = |offset: usize| RunbookError::NotText {
        path: path.to_path_buf(),
        line: bytes[..offset].iter().filter(|&&b| b == b'\n').count() + 1,
        offset,
    };
    let text = std::str::from_utf8(bytes).map_err(|err| not_text(err.valid_up_to()))?;
    match bytes.iter().position(|&b| b == 0) {
        Some(offset) => Err(not_text(offset)),
        None => Ok(text),
    }
}

fn import_text(
    text: &str,
    bytes: &[u8],
    origin: &Path,
    rules: &Rules,
) -> Result<Runbook, RunbookError> {
    let elements = parse_elements(text, origin)?;
    let title = elements
        .iter()
        .find_map(|e| match e {
            Element::Heading { level: 1, text, .. } => Some(text.clone()),
            _ => None,
        })
        .unwrap_or_else(|| {
            origin
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "runbook".into())
        });
    let sections = build_sections(elements);
    let mut builder = Builder {
        rules,
        origin,
        sections: &sections,
        procedures: Vec::new(),
    };
    builder.visit(0, &[])?;
    let hash = Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(Runbook {
        title,
        source: origin.to_path_buf(),
        hash,
        procedures: builder.procedures,
    })
}

// ------------------------------------------------------------------ pass 1: elements

#[derive(Debug, Clone)]
enum Segment {
    Text(String),
    Code(String),
}

#[derive(Debug, Clone)]
struct CodeBlock {
    lang: String,
    json: Option<String>,
    code: String,
    /// Line of the opening fence (1-based).
    line: usize,
    first_line: usize,
}

#[derive(Debug, Clone, Default)]
struct Item {
    segments: Vec<Segment>,
    notes: Vec<String>,
    codes: Vec<(CodeBlock, Option<(String, usize)>)>,
    line: usize,
}

#[derive(Debug, Clone)]
enum Element {
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

fn render(segments: &[Segment]) -> String {
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

fn collapse_spaces(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[derive(Default)]
struct Para {
    segments: Vec<Segment>,
    strong: String,
    outside: String,
    line: usize,
}

fn parse_elements(text: &str, origin: &Path) -> Result<Vec<Element>, RunbookError> {
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
    let mut strong_depth = 0usize;
    let mut pending_code_annotation: Option<(String, usize)> = None;
    // HTML blocks arrive line by line; a comment may span several.
    let mut html_block: Option<(String, usize)> = None;

    for (event, range) in Parser::new_ext(text, options).into_offset_iter() {
        let line = line_of(text, range.start);
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

// ------------------------------------------------------------------ pass 2: sections

#[derive(Debug)]
struct Section {
    level: u8,
    title: String,
    line: usize,
    elements: Vec<Element>,
    annotation: Option<(String, usize)>,
    children: Vec<usize>,
}

fn build_sections(elements: Vec<Element>) -> Vec<Section> {
    let mut sections = vec![Section {
        level: 0,
        title: String::new(),
        line: 1,
        elements: Vec::new(),
        annotation: None,
        children: Vec::new(),
    }];
    let mut stack: Vec<usize> = vec![0];
    let mut pending_annotation: Option<(String, usize)> = None;
    for element in elements {
        match element {
            Element::Heading { level, text, line } => {
                while stack.len() > 1 && stack.last().is_some_and(|&i| sections[i].level >= level) {
                    stack.pop();
                }
                let idx = sections.len();
                sections.push(Section {
                    level,
                    title: text,
                    line,
                    elements: Vec::new(),
                    annotation: pending_annotation.take(),
                    children: Vec::new(),
                });
                if let Some(&parent) = stack.last() {
                    sections[parent].children.push(idx);
                }
                stack.push(idx);
            }
            Element::Annotation { json, line } => {
                if let Some(prev) = pending_annotation.take() {
                    push_to_current(
                        &mut sections,
                        &stack,
                        Element::Annotation {
                            json: prev.0,
                            line: prev.1,
                        },
                    );
                }
                pending_annotation = Some((json, line));
            }
            other => {
                if let Some((json, line)) = pending_annotation.take() {
                    push_to_current(&mut sections, &stack, Element::Annotation { json, line });
                }
                push_to_current(&mut sections, &stack, other);
            }
        }
    }
    if let Some((json, line)) = pending_annotation.take() {
        push_to_current(&mut sections, &stack, Element::Annotation { json, line });
    }
    sections
}

fn push_to_current(sections: &mut [Section], stack: &[usize], element: Element) {
    if let Some(&i) = stack.last()
        && let Some(section) = sections.get_mut(i)
    {
        section.elements.push(element);
    }
}

// ------------------------------------------------------------------ pass 3: procedures

static NUMBERED_TITLE: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"^\d+[.)]\s+(.+)$").ok());
static SEVERITY_SUFFIX: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"(?i)^(.*?)\s*\((P[0-4]|critical|high|medium|low|warning)\)\s*$").ok()
});
static SEVERITY_LINE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"(?i)\bseverity\s*:?\s*\**\s*:?\s*(P[0-4]|critical|high|medium|low|warning)\b").ok()
});
static ALERT: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r#"(?i)\balert:\s*"?([A-Za-z][A-Za-z0-9_]+)"?"#).ok());
static SEVERITY_GROUP: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"(?i)^(critical|high|medium|low|warning)\s+alerts?$").ok());

/// Sections that are never procedures, wherever they sit.
const IGNORED: &[&str] = &[
    "contact",
    "table of contents",
    "change log",
    "changelog",
    "revision history",
    "escalation",
    "communication",
];

/// Titles of sections whose numbered lists are reference material, not steps.
const REFERENCE: &[&str] = &[
    "dashboard",
    "metric",
    "overview",
    "architecture",
    "component",
    "requirement",
    "objective",
    "schedule",
    "polic",
    "documentation",
    "resources",
    "reference",
    "glossary",
    "level",
];

fn contains_any(text: &str, needles: &[&str]) -> bool {
    let lower = text.to_ascii_lowercase();
    needles.iter().any(|n| lower.contains(n))
}

/// Strict phase words: their presence makes a section an incident procedure.
fn strict_phase(label: &str) -> Option<PhaseKind> {
    let l = label.to_ascii_lowercase();
    if l.contains("symptom") {
        Some(PhaseKind::Symptoms)
    } else if l.contains("diagnos") || l.contains("investigat") || l.contains("triage") {
        Some(PhaseKind::Diagnose)
    } else if l.contains("resolution") || l.contains("mitigat") || l.contains("remediat") {
        Some(PhaseKind::Resolve)
    } else if l.starts_with("verif") || l.starts_with("validat") {
        Some(PhaseKind::Verify)
    } else {
        None
    }
}

/// Looser phase words, used once a section is known to be a procedure.
fn phase_kind(label: &str) -> PhaseKind {
    if let Some(kind) = strict_phase(label) {
        return kind;
    }
    let l = label.to_ascii_lowercase();
    if l.contains("initial response")
        || l.contains("assess")
        || (l.contains("check") && !l.contains("checklist"))
        || l.contains("identify")
    {
        PhaseKind::Diagnose
    } else if l.contains("resolve")
        || l.starts_with("fix")
        || l.contains("recover")
        || l.contains("immediate action")
        || l.contains("workaround")
    {
        PhaseKind::Resolve
    } else if l.contains("verif") || l.contains("validat") || l.contains("confirm") {
        PhaseKind::Verify
    } else {
        PhaseKind::Other
    }
}

fn severity_in_title(title: &str) -> (String, Option<Severity>) {
    if let Some(cap) = SEVERITY_SUFFIX.as_ref().and_then(|re| re.captures(title))
        && let (Some(t), Some(s)) = (cap.get(1), cap.get(2))
    {
        return (t.as_str().trim().to_string(), Severity::parse(s.as_str()));
    }
    (title.to_string(), None)
}

fn is_incident(elements: &[Element]) -> bool {
    elements.iter().any(|e| match e {
        Element::Label { text, .. } => strict_phase(text).is_some(),
        Element::Paragraph { text } => SEVERITY_LINE.as_ref().is_some_and(|re| re.is_match(text)),
        _ => false,
    })
}

struct Builder<'a> {
    rules: &'a Rules,
    origin: &'a Path,
    sections: &'a [Section],
    procedures: Vec<Procedure>,
}

/// A run of elements that may become a procedure.
struct Candidate<'e> {
    title: String,
    line: usize,
    path: Vec<String>,
    elements: &'e [Element],
    annotation: Option<Annotation>,
    /// Extra phases from numbered child headings.
    child_phases: Vec<(String, &'e [Element])>,
}

impl<'a> Builder<'a> {
    fn annotation(
        &self,
        raw: &Option<(String, usize)>,
    ) -> Result<Option<Annotation>, RunbookError> {
        raw.as_ref()
            .map(|(json, line)| annotation::parse(json, self.origin, *line))
            .transpose()
    }

    fn visit(&mut self, idx: usize, path: &[String]) -> Result<(), RunbookError> {
        let sections = self.sections;
        let Some(section) = sections.get(idx) else {
            return Ok(());
        };
        let annotation = self.annotation(&section.annotation)?;
        if annotation.as_ref().is_some_and(|a| a.skip) || contains_any(&section.title, IGNORED) {
            return Ok(());
        }
        let mut child_path = path.to_vec();
        if !section.title.is_empty() {
            child_path.push(section.title.clone());
        }

        let children: Vec<&Section> = section
            .children
            .iter()
            .filter_map(|&c| sections.get(c))
            .collect();
        let merge_children = children.len() >= 2
            && children.iter().all(|c| {
                NUMBERED_TITLE
                    .as_ref()
                    .is_some_and(|re| re.is_match(&c.title))
                    && !is_incident(&c.elements)
                    && c.children.is_empty()
                    && !c
                        .elements
                        .iter()
                        .any(|e| matches!(e, Element::Label { .. }))
            });
        if merge_children {
            let child_phases = children
                .iter()
                .map(|c| (blocks::strip_numbering(&c.title), c.elements.as_slice()))
                .collect();
            let candidate = Candidate {
                title: section.title.clone(),
                line: section.line,
                path: path.to_vec(),
                elements: &section.elements,
                annotation,
                child_phases,
            };
            self.build(candidate)?;
            return Ok(());
        }

        if is_incident(&section.elements)
            || !section
                .elements
                .iter()
                .any(|e| matches!(e, Element::Label { .. }))
        {
            let title = if section.title.is_empty() {
                String::new()
            } else {
                section.title.clone()
            };
            self.build(Candidate {
                title,
                line: section.line,
                path: path.to_vec(),
                elements: &section.elements,
                annotation,
                child_phases: Vec::new(),
            })?;
        } else {
            // Labels split the section into procedures of their own.
            let mut start = 0;
            let mut current_title = section.title.clone();
            let mut current_line = section.line;
            let mut current_path = path.to_vec();
            let mut current_annotation = annotation;
            for (i, element) in section.elements.iter().enumerate() {
                if let Element::Label { text, line } = element {
                    self.build(Candidate {
                        title: current_title.clone(),
                        line: current_line,
                        path: current_path.clone(),
                        elements: &section.elements[start..i],
                        annotation: current_annotation.take(),
                        child_phases: Vec::new(),
                    })?;
                    start = i + 1;
                    current_title = text.clone();
                    current_line = *line;
                    current_path = child_path.clone();
                }
            }
            self.build(Candidate {
                title: current_title,
                line: current_line,
                path: current_path,
                elements: &section.elements[start..],
                annotation: current_annotation,
                child_phases: Vec::new(),
            })?;
        }
        for &child in &section.children {
            self.visit(child, &child_path)?;
        }
        Ok(())
    }

    fn build(&mut self, c: Candidate<'_>) -> Result<(), RunbookError> {
        if c.title.is_empty() && c.elements.is_empty() {
            return Ok(());
        }
        if contains_any(&c.title, IGNORED) || c.annotation.as_ref().is_some_and(|a| a.skip) {
            return Ok(());
        }
        let incident = is_incident(c.elements);
        let (title, mut severity) = severity_in_title(&blocks::strip_numbering(&c.title));
        let mut alerts: Vec<String> = Vec::new();
        let mut symptoms: Vec<String> = Vec::new();
        let mut phases: Vec<Phase> = Vec::new();

        if let Some(cap) = ALERT.as_ref().and_then(|re| re.captures(&title))
            && let Some(m) = cap.get(1)
        {
            alerts.push(m.as_str().to_string());
        }
        for element in c.elements {
            if let Element::Paragraph { text } = element
                && severity.is_none()
            {
                severity = SEVERITY_LINE
                    .as_ref()
                    .and_then(|re| re.captures(text))
                    .and_then(|cap| cap.get(1))
                    .and_then(|m| Severity::parse(m.as_str()));
            }
        }
        if severity.is_none() {
            severity = c.path.iter().rev().find_map(|p| {
                SEVERITY_GROUP
                    .as_ref()
                    .and_then(|re| re.captures(p))
                    .and_then(|cap| cap.get(1))
                    .and_then(|m| Severity::parse(m.as_str()))
            });
        }

        // Split the elements into phases at labels (incident sections), or one phase.
        let default_kind = if incident {
            PhaseKind::Other
        } else {
            phase_kind(&title)
        };
        let mut current = Phase {
            kind: default_kind,
            title: String::new(),
            steps: Vec::new(),
        };
        let mut pending_annotation: Option<Annotation> = None;
        for element in c.elements {
            match element {
                Element::Label { text, .. } => {
                    phases.push(std::mem::replace(
                        &mut current,
                        Phase {
                            kind: phase_kind(text),
                            title: text.clone(),
                            steps: Vec::new(),
                        },
                    ));
                    if let Some(cap) = ALERT.as_ref().and_then(|re| re.captures(text))
                        && let Some(m) = cap.get(1)
                    {
                        alerts.push(m.as_str().to_string());
                    }
                }
                Element::Annotation { json, line } => {
                    pending_annotation = Some(annotation::parse(json, self.origin, *line)?);
                }
                Element::Code(block) => {
                    let ann = self.block_annotation(block, pending_annotation.take())?;
                    if ann.as_ref().is_some_and(|a| a.skip) {
                        continue;
                    }
                    current.steps.extend(self.block_steps(block, ann.as_ref()));
                }
                Element::List { items, .. } => {
                    for item in items {
                        let step = self.item_step(item)?;
                        if current.kind == PhaseKind::Symptoms {
                            symptoms.push(step.text.clone());
                        }
                        current.steps.push(step);
                    }
                }
                _ => {}
            }
        }
        phases.push(current);
        for (child_title, elements) in &c.child_phases {
            let mut phase = Phase {
                kind: phase_kind(child_title),
                title: child_title.clone(),
                steps: Vec::new(),
            };
            let mut pending_annotation: Option<Annotation> = None;
            for element in elements.iter() {
                match element {
                    Element::Annotation { json, line } => {
                        pending_annotation = Some(annotation::parse(json, self.origin, *line)?);
                    }
                    Element::Code(block) => {
                        let ann = self.block_annotation(block, pending_annotation.take())?;
                        if ann.as_ref().is_some_and(|a| a.skip) {
                            continue;
                        }
                        phase.steps.extend(self.block_steps(block, ann.as_ref()));
                    }
                    Element::List { items, .. } => {
                        for item in items {
                            phase.steps.push(self.item_step(item)?);
                        }
                    }
                    _ => {}
                }
            }
            phases.push(phase);
        }

        for symptom in &symptoms {
            if let Some(cap) = ALERT.as_ref().and_then(|re| re.captures(symptom))
                && let Some(m) = cap.get(1)
            {
                alerts.push(m.as_str().to_string());
            }
        }
        phases.retain(|p| !p.steps.is_empty());
        merge_platform_phases(&mut phases);

        let has_commands = phases
            .iter()
            .any(|p| p.steps.iter().any(|s| !s.commands.is_empty()));
        let has_steps = c.elements.iter().chain(c.child_phases.iter().flat_map(|(_, e)| e.iter())).any(|e| {
            matches!(e, Element::List { ordered: true, .. } | Element::List { task: true, .. })
                || matches!(e, Element::Code(b) if blocks::block_kind(&b.lang, &b.code) == BlockKind::NumberedText)
        });
        let qualifies = has_commands || incident || (has_steps && !contains_any(&title, REFERENCE));
        if !qualifies || phases.is_empty() || title.is_empty() {
            return Ok(());
        }

        if let Some(a) = &c.annotation {
            if a.severity.is_some() {
                severity = a.severity;
            }
            alerts.extend(a.alerts.iter().cloned());
            if let Some(platform) = a.platform {
                for phase in phases.iter_mut() {
                    for step in phase.steps.iter_mut() {
                        for command in step.commands.iter_mut() {
                            command.platform.get_or_insert(platform);
                        }
                    }
                }
            }
        }
        let mut seen = Vec::new();
        alerts.retain(|a| {
            let fresh = !seen.contains(a);
            seen.push(a.clone());
            fresh
        });

        self.procedures.push(Procedure {
            title,
            severity,
            alerts,
            symptoms,
            heading_path: c.path,
            phases,
            line: c.line,
        });
        Ok(())
    }

    fn block_annotation(
        &self,
        block: &CodeBlock,
        html: Option<Annotation>,
    ) -> Result<Option<Annotation>, RunbookError> {
        let fence = block
            .json
            .as_ref()
            .map(|json| annotation::parse(json, self.origin, block.line))
            .transpose()?;
        Ok(match (html, fence) {
            (Some(mut h), Some(f)) => {
                // The fence's own JSON is closest to the commands: it wins.
                if f.risk.is_some() {
                    h.risk = f.risk;
                }
                if f.reason.is_some() {
                    h.reason = f.reason;
                }
                if f.name.is_some() {
                    h.name = f.name;
                }
                if f.platform.is_some() {
                    h.platform = f.platform;
                }
                h.skip |= f.skip;
                Some(h)
            }
            (h, f) => f.or(h),
        })
    }

    fn block_steps(&self, block: &CodeBlock, annotation: Option<&Annotation>) -> Vec<Step> {
        let ctx = BlockContext {
            rules: self.rules,
            first_line: block.first_line,
            annotation,
        };
        let kind = blocks::block_kind(&block.lang, &block.code);
        blocks::steps_from_block(&ctx, kind, &block.code)
    }

    fn item_step(&self, item: &Item) -> Result<Step, RunbookError> {
        let ctx = BlockContext {
            rules: self.rules,
            first_line: item.line,
            annotation: None,
        };
        let mut commands: Vec<Command> = Vec::new();
        let mut text_before = String::new();
        let mut seen_command = false;
        let mut joiner = String::new();
        for segment in &item.segments {
            match segment {
                Segment::Text(t) => {
                    if seen_command {
                        joiner.push_str(t);
                    } else {
                        text_before.push_str(t);
                    }
                }
                Segment::Code(code) => {
                    if blocks::looks_like_command(self.rules, code) {
                        let is_variant = seen_command && joiner.trim().eq_ignore_ascii_case("or");
                        let command = blocks::make_command(
                            &ctx,
                            code.trim(),
                            item.line,
                            None,
                            Interpreter::Shell,
                            &[],
                        );
                        match commands.last_mut() {
                            Some(last) if is_variant => last.variants.push(command),
                            _ => commands.push(command),
                        }
                        seen_command = true;
                        joiner.clear();
                    } else if seen_command {
                        joiner.push_str(code);
                    } else {
                        text_before.push('`');
                        text_before.push_str(code);
                        text_before.push('`');
                    }
                }
            }
        }
        let mut text = if commands.is_empty() {
            render(&item.segments)
        } else {
            collapse_spaces(text_before.trim().trim_end_matches(':'))
        };
        if text.is_empty() {
            text = render(&item.segments);
        }
        let description = (!commands.is_empty()).then(|| text.clone());
        for c in commands.iter_mut() {
            c.description = description.clone();
            for v in c.variants.iter_mut() {
                v.description = description.clone();
            }
        }
        let mut notes = item.notes.clone();
        for (block, html) in &item.codes {
            let html = html
                .as_ref()
                .map(|(json, line)| annotation::parse(json, self.origin, *line))
                .transpose()?;
            let ann = self.block_annotation(block, html)?;
            if ann.as_ref().is_some_and(|a| a.skip) {
                continue;
            }
            for step in self.block_steps(block, ann.as_ref()) {
                if step.commands.is_empty() && !step.text.is_empty() {
                    notes.push(step.text);
                }
                notes.extend(step.notes);
                commands.extend(step.commands);
            }
        }
        Ok(Step {
            text,
            notes,
            commands,
            line: item.line,
        })
    }
}

/// "Docker Commands" followed by "Kubernetes Commands" (or the reverse): one phase
/// whose steps pair the two platforms' commands by what they do (the description's
/// first word: check, view, restart…).
fn merge_platform_phases(phases: &mut Vec<Phase>) {
    let platform_of = |title: &str| {
        let l = title.to_ascii_lowercase();
        if l.contains("docker") {
            Some(0)
        } else if l.contains("kubernetes") || l.contains("k8s") {
            Some(1)
        } else {
            None
        }
    };
    let mut i = 0;
    while i + 1 < phases.len() {
        let (a, b) = (
            platform_of(&phases[i].title),
            platform_of(&phases[i + 1].title),
        );
        if let (Some(pa), Some(pb)) = (a, b)
            && pa != pb
        {
            let second = phases.remove(i + 1);
            let first = &mut phases[i];
            first.title = format!("{} / {}", first.title, second.title);
            let mut unmatched = Vec::new();
            for step in second.steps {
                let key = intent(&step.text);
                let target = first.steps.iter_mut().find(|s| {
                    intent(&s.text) == key
                        && !key.is_empty()
                        && s.commands.iter().all(|c| c.variants.is_empty())
                });
                match target {
                    Some(target) => {
                        let mut extra = Vec::new();
                        for (idx, command) in step.commands.into_iter().enumerate() {
                            match target.commands.get_mut(idx) {
                                Some(t) => t.variants.push(command),
                                None => extra.push(command),
                            }
                        }
                        target.commands.extend(extra);
                    }
                    None => unmatched.push(step),
                }
            }
            first.steps.extend(unmatched);
        }
        i += 1;
    }
}

fn intent(text: &str) -> String {
    text.split_whitespace()
        .next()
        .unwrap_or("")
        .to_ascii_lowercase()
}
