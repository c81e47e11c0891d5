//! Elements to the heading tree: each heading becomes a section holding the
//! elements under it and its sub-sections. An annotation comment right before a
//! heading belongs to that section.

use super::markdown::Element;

#[derive(Debug)]
pub(super) struct Section {
    pub level: u8,
    pub title: String,
    pub line: usize,
    pub elements: Vec<Element>,
    pub annotation: Option<(String, usize)>,
    /// Indexes of the sub-sections in the list [`build_sections`] returns.
    pub children: Vec<usize>,
}

/// The sections, the root (level 0, the text before the first heading) first.
pub(super) fn build_sections(elements: Vec<Element>) -> Vec<Section> {
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
