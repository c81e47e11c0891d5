//! The heading tree to procedures. A section becomes a procedure when it holds
//! commands, settings, incident phases or numbered steps; labels split it into
//! phases (in an incident section) or into procedures of their own. Two layouts
//! merge child headings into their parent: numbered child headings (`### 1. Back
//! up`) become its phases, and so do phase headings (`### Diagnosis`,
//! `### Mitigation`). An alert runbook is the second layout: `# KubePodCrashLooping`
//! with `## Meaning`, `## Impact`, `## Diagnosis`, `## Mitigation` is one procedure
//! named after the alert, Meaning and Impact its description. A paragraph ending in
//! `:` right above a code block describes the block's first step.

use std::collections::HashSet;
use std::path::Path;

use super::annotation::{self, Annotation};
use super::blocks::{self, BlockContext, Scope};
use super::error::RunbookError;
use super::fence::{self, BlockKind};
use super::markdown::{CodeBlock, Element, Item, Segment, collapse_spaces, render};
use super::model::{Command, Interpreter, Phase, PhaseKind, Procedure, Severity, Step, Unread};
use super::phases::{
    ALERT, IGNORED, NUMBERED_TITLE, REFERENCE, SEVERITY_GROUP, SEVERITY_LINE, contains_any,
    describes, is_alert_name, is_incident, merge_platform_phases, phase_kind, severity_in_title,
    strict_phase,
};
use super::risk::Rules;
use super::sections::Section;

pub(super) struct Builder<'a> {
    pub rules: &'a Rules,
    pub origin: &'a Path,
    pub sections: &'a [Section],
    /// The file's name without extension: an alert runbook is often named after its alert.
    pub stem: Option<String>,
    pub procedures: Vec<Procedure>,
    pub unread: Vec<Unread>,
}

/// A run of elements that may become a procedure.
struct Candidate<'e> {
    title: String,
    line: usize,
    path: Vec<String>,
    elements: &'e [Element],
    annotation: Option<Annotation>,
    /// Extra phases from child headings: title, kind, elements.
    child_phases: Vec<(String, PhaseKind, &'e [Element])>,
    /// One line per describing heading (`Meaning: …`).
    description: Vec<String>,
    /// The alert the procedure answers, from an alert runbook's layout.
    alert: Option<String>,
}

impl<'e> Candidate<'e> {
    fn new(title: String, line: usize, path: Vec<String>, elements: &'e [Element]) -> Self {
        Candidate {
            title,
            line,
            path,
            elements,
            annotation: None,
            child_phases: Vec::new(),
            description: Vec::new(),
            alert: None,
        }
    }
}

/// Titles of child headings that an alert runbook may carry besides its phases.
const ASIDE: &[&str] = &[
    "reference",
    "see also",
    "related",
    "link",
    "documentation",
    "resources",
];

impl<'a> Builder<'a> {
    fn annotation(
        &self,
        raw: &Option<(String, usize)>,
    ) -> Result<Option<Annotation>, RunbookError> {
        raw.as_ref()
            .map(|(json, line)| annotation::parse(json, self.origin, *line))
            .transpose()
    }

    pub fn visit(&mut self, idx: usize, path: &[String]) -> Result<(), RunbookError> {
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
                .map(|c| {
                    let title = fence::strip_numbering(&c.title);
                    let kind = phase_kind(&title);
                    (title, kind, c.elements.as_slice())
                })
                .collect();
            let mut candidate = Candidate::new(
                section.title.clone(),
                section.line,
                path.to_vec(),
                &section.elements,
            );
            candidate.annotation = annotation;
            candidate.child_phases = child_phases;
            return self.build(candidate);
        }
        if !section.title.is_empty() && is_alert_layout(&children) {
            let candidate = self.alert_candidate(section, &children, path, annotation);
            return self.build(candidate);
        }

        if is_incident(&section.elements)
            || !section
                .elements
                .iter()
                .any(|e| matches!(e, Element::Label { .. }))
        {
            let mut candidate = Candidate::new(
                section.title.clone(),
                section.line,
                path.to_vec(),
                &section.elements,
            );
            candidate.annotation = annotation;
            self.build(candidate)?;
        } else {
            // Labels split the section into procedures of their own.
            let mut start = 0;
            let mut current_title = section.title.clone();
            let mut current_line = section.line;
            let mut current_path = path.to_vec();
            let mut current_annotation = annotation;
            for (i, element) in section.elements.iter().enumerate() {
                if let Element::Label { text, line } = element {
                    let mut candidate = Candidate::new(
                        current_title.clone(),
                        current_line,
                        current_path.clone(),
                        &section.elements[start..i],
                    );
                    candidate.annotation = current_annotation.take();
                    self.build(candidate)?;
                    start = i + 1;
                    current_title = text.clone();
                    current_line = *line;
                    current_path = child_path.clone();
                }
            }
            let mut candidate = Candidate::new(
                current_title,
                current_line,
                current_path,
                &section.elements[start..],
            );
            candidate.annotation = current_annotation;
            self.build(candidate)?;
        }
        for &child in &section.children {
            self.visit(child, &child_path)?;
        }
        Ok(())
    }

    /// An alert runbook's section: its phase headings (and theirs, flattened) become
    /// phases, its describing headings the description.
    fn alert_candidate(
        &self,
        section: &'a Section,
        children: &[&'a Section],
        path: &[String],
        annotation: Option<Annotation>,
    ) -> Candidate<'a> {
        let mut candidate = Candidate::new(
            section.title.clone(),
            section.line,
            path.to_vec(),
            &section.elements,
        );
        candidate.annotation = annotation;
        let intro = prose(&section.elements);
        if !intro.is_empty() {
            candidate.description.push(intro);
        }
        for child in children {
            if describes(&child.title) {
                let mut text = prose(&child.elements);
                for grandchild in descendants(self.sections, child) {
                    let more = prose(&grandchild.elements);
                    if !more.is_empty() {
                        text = format!("{text} {more}").trim().to_string();
                    }
                }
                if !text.is_empty() {
                    candidate
                        .description
                        .push(format!("{}: {text}", child.title.trim_end_matches(':')));
                }
            } else if let Some(kind) = strict_phase(&child.title) {
                candidate
                    .child_phases
                    .push((child.title.clone(), kind, child.elements.as_slice()));
                for grandchild in descendants(self.sections, child) {
                    let kind = strict_phase(&grandchild.title).unwrap_or(kind);
                    candidate.child_phases.push((
                        format!("{} › {}", child.title, grandchild.title),
                        kind,
                        grandchild.elements.as_slice(),
                    ));
                }
            }
        }
        candidate.alert = if is_alert_name(&section.title) {
            Some(section.title.trim().to_string())
        } else if section.level == 1 {
            self.stem.clone().filter(|s| is_alert_name(s))
        } else {
            None
        };
        candidate
    }

    fn build(&mut self, c: Candidate<'_>) -> Result<(), RunbookError> {
        if c.title.is_empty() && c.elements.is_empty() {
            return Ok(());
        }
        if contains_any(&c.title, IGNORED) || c.annotation.as_ref().is_some_and(|a| a.skip) {
            return Ok(());
        }
        let mut scope = Scope::default();
        let result = self.build_in(c, &mut scope);
        self.unread.append(&mut scope.unread);
        result
    }

    fn build_in(&mut self, c: Candidate<'_>, scope: &mut Scope) -> Result<(), RunbookError> {
        let incident = is_incident(c.elements);
        let (title, mut severity) = severity_in_title(&fence::strip_numbering(&c.title));
        let mut alerts: Vec<String> = c.alert.iter().cloned().collect();
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
        let default_kind = if incident || c.alert.is_some() {
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
        let mut intro: Option<String> = None;
        for element in c.elements {
            if !matches!(element, Element::Annotation { .. } | Element::Code(_)) {
                intro = introduction(element);
            }
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
                    let mut steps = self.block_steps(block, ann.as_ref(), scope, false);
                    introduce(&mut steps, intro.take());
                    current.steps.extend(steps);
                }
                Element::List { items, .. } => {
                    for item in items {
                        let step = self.item_step(item, scope)?;
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
        for (child_title, kind, elements) in &c.child_phases {
            let mut phase = Phase {
                kind: *kind,
                title: child_title.clone(),
                steps: Vec::new(),
            };
            let mut pending_annotation: Option<Annotation> = None;
            let mut intro: Option<String> = None;
            for element in elements.iter() {
                if !matches!(element, Element::Annotation { .. } | Element::Code(_)) {
                    intro = introduction(element);
                }
                match element {
                    Element::Annotation { json, line } => {
                        pending_annotation = Some(annotation::parse(json, self.origin, *line)?);
                    }
                    Element::Code(block) => {
                        let ann = self.block_annotation(block, pending_annotation.take())?;
                        if ann.as_ref().is_some_and(|a| a.skip) {
                            continue;
                        }
                        let mut steps = self.block_steps(block, ann.as_ref(), scope, false);
                        introduce(&mut steps, intro.take());
                        phase.steps.extend(steps);
                    }
                    Element::List { items, .. } => {
                        for item in items {
                            let step = self.item_step(item, scope)?;
                            if phase.kind == PhaseKind::Symptoms && c.alert.is_some() {
                                symptoms.push(step.text.clone());
                            }
                            phase.steps.push(step);
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
        let has_steps = c
            .elements
            .iter()
            .chain(c.child_phases.iter().flat_map(|(_, _, e)| e.iter()))
            .any(|e| {
                matches!(
                    e,
                    Element::List { ordered: true, .. } | Element::List { task: true, .. }
                ) || matches!(e, Element::Code(b) if fence::block_kind(&b.lang, &b.code) == BlockKind::NumberedText)
            });
        let qualifies = has_commands
            || scope.settings > 0
            || incident
            || c.alert.is_some()
            || (has_steps && !contains_any(&title, REFERENCE));
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
        let mut seen = HashSet::new();
        alerts.retain(|a| seen.insert(a.clone()));

        self.procedures.push(Procedure {
            title,
            description: c.description.join("\n"),
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

    fn block_steps(
        &self,
        block: &CodeBlock,
        annotation: Option<&Annotation>,
        scope: &mut Scope,
        in_list_item: bool,
    ) -> Vec<Step> {
        let ctx = BlockContext {
            rules: self.rules,
            lang: &block.lang,
            fence_line: block.line,
            first_line: block.first_line,
            annotation,
            in_list_item,
        };
        let kind = fence::block_kind(&block.lang, &block.code);
        blocks::steps_from_block(&ctx, kind, &block.code, scope)
    }

    fn item_step(&self, item: &Item, scope: &mut Scope) -> Result<Step, RunbookError> {
        let ctx = BlockContext {
            rules: self.rules,
            lang: "",
            fence_line: item.line,
            first_line: item.line,
            annotation: None,
            in_list_item: true,
        };
        let mut commands: Vec<Command> = Vec::new();
        let mut text_before = String::new();
        let mut seen_command = false;
        let mut joiner = String::new();
        let defined = HashSet::new();
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
                        // "`kubectl …`, or `docker …` on the compose host"
                        let is_variant = seen_command
                            && joiner
                                .trim()
                                .trim_start_matches([',', ';'])
                                .trim()
                                .eq_ignore_ascii_case("or");
                        let (command, _) = blocks::make_command(
                            &ctx,
                            scope,
                            code.trim(),
                            item.line,
                            Interpreter::Shell,
                            &defined,
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
        let mut step = Step::new(text, item.line);
        step.notes = item.notes.clone();
        step.commands = commands;
        for (block, html) in &item.codes {
            let html = html
                .as_ref()
                .map(|(json, line)| annotation::parse(json, self.origin, *line))
                .transpose()?;
            let ann = self.block_annotation(block, html)?;
            if ann.as_ref().is_some_and(|a| a.skip) {
                continue;
            }
            for inner in self.block_steps(block, ann.as_ref(), scope, true) {
                if inner.commands.is_empty() && !inner.text.is_empty() {
                    step.notes.push(inner.text);
                }
                step.notes.extend(inner.notes);
                // The block's samples point into its own steps' commands.
                let offset = step.commands.len();
                let shift = |samples: Vec<super::model::Sample>| {
                    samples.into_iter().map(move |mut s| {
                        s.command += offset;
                        s
                    })
                };
                step.expected_output.extend(shift(inner.expected_output));
                step.editor_content.extend(shift(inner.editor_content));
                step.session_input.extend(shift(inner.session_input));
                if step.sql_session.is_none() {
                    step.sql_session = inner.sql_session;
                }
                step.commands.extend(inner.commands);
            }
        }
        if !step.commands.is_empty() && step.text.ends_with(':') {
            // "Read why the last run ended:" above its block.
            step.text = step.text.trim_end_matches(':').trim_end().to_string();
        }
        Ok(step)
    }
}

/// Whether child headings are the phases of their parent, as in an alert runbook:
/// at least one phase heading (Diagnosis, Mitigation…), and besides them only
/// describing headings (Meaning, Impact…) and references.
fn is_alert_layout(children: &[&Section]) -> bool {
    children.iter().any(|c| strict_phase(&c.title).is_some())
        && children.iter().all(|c| {
            strict_phase(&c.title).is_some() || describes(&c.title) || contains_any(&c.title, ASIDE)
        })
}

/// Every section below `section`, depth first.
fn descendants<'s>(sections: &'s [Section], section: &Section) -> Vec<&'s Section> {
    let mut out = Vec::new();
    let mut stack: Vec<usize> = section.children.iter().rev().copied().collect();
    while let Some(i) = stack.pop() {
        if let Some(s) = sections.get(i) {
            out.push(s);
            stack.extend(s.children.iter().rev().copied());
        }
    }
    out
}

/// The paragraphs and list items of elements, as one line of prose.
fn prose(elements: &[Element]) -> String {
    let mut parts: Vec<String> = Vec::new();
    for element in elements {
        match element {
            Element::Paragraph { text } if !text.is_empty() => parts.push(text.clone()),
            Element::List { items, .. } => {
                for item in items {
                    let t = render(&item.segments);
                    if !t.is_empty() {
                        parts.push(t);
                    }
                }
            }
            _ => {}
        }
    }
    parts.join(" ")
}

/// A paragraph that introduces what follows ("Read the claim's events:").
fn introduction(element: &Element) -> Option<String> {
    match element {
        Element::Paragraph { text } => text
            .trim()
            .strip_suffix(':')
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty()),
        _ => None,
    }
}

/// Gives the first step of a block the paragraph above it as its text, when the
/// block's own comments say nothing.
fn introduce(steps: &mut [Step], intro: Option<String>) {
    let (Some(intro), Some(first)) = (intro, steps.first_mut()) else {
        return;
    };
    if !first.text.is_empty() {
        return;
    }
    for command in first.commands.iter_mut() {
        if command.description.is_none() {
            command.description = Some(intro.clone());
        }
        for variant in command.variants.iter_mut() {
            variant.description.get_or_insert_with(|| intro.clone());
        }
    }
    first.text = intro;
}
