//! The folded form of legacy exception handling, `(try $l? bt (do …) (catch $t …)
//! (catch_all …))` and `(try … (do …) (delegate $l))`, which the `wast` crate does not
//! parse (it knows only the flat `try … catch … end` instructions). The legacy spec
//! tests are written in it, so scripts are rewritten into the flat form before parsing.
//!
//! The rewrite only replaces the parentheses and the `do` keyword of those forms with
//! spaces (and the `try`'s closing parenthesis with `end`), in place: lines, and
//! columns up to the rewritten spots, stay where they were, so messages point at the
//! script as written.

/// One parenthesised form: where its parentheses are, its first word, and its forms.
struct Form<'a> {
    open: usize,
    close: usize,
    head: Option<(usize, &'a str)>,
    children: Vec<Form<'a>>,
}

/// `source` with every folded legacy `try` rewritten into flat instructions; the source
/// unchanged (borrowed) when it has none, or when it does not tokenize (the parser then
/// reports the error).
pub(crate) fn unfold_legacy_try(source: &str) -> std::borrow::Cow<'_, str> {
    if !source.contains("(do") {
        return source.into();
    }
    let Some(forms) = forms(source) else {
        return source.into();
    };
    let mut edits: Vec<(usize, usize, &str)> = Vec::new();
    for form in &forms {
        collect_edits(form, &mut edits);
    }
    if edits.is_empty() {
        return source.into();
    }
    edits.sort_by_key(|&(start, _, _)| start);
    let mut out = String::with_capacity(source.len() + edits.len() * 2);
    let mut at = 0;
    for (start, end, replacement) in edits {
        out.push_str(&source[at..start]);
        out.push_str(replacement);
        at = end;
    }
    out.push_str(&source[at..]);
    out.into()
}

/// The edits that flatten every folded `try` in `form`, innermost included.
fn collect_edits<'a>(form: &Form<'a>, edits: &mut Vec<(usize, usize, &'a str)>) {
    let head = |f: &Form<'a>| f.head.map(|(_, word)| word);
    let is_folded_try =
        head(form) == Some("try") && form.children.iter().any(|child| head(child) == Some("do"));
    if is_folded_try {
        edits.push((form.open, form.open + 1, " "));
        let mut delegated = false;
        for child in &form.children {
            match head(child) {
                Some("do") => {
                    let (at, word) = child.head.expect("checked");
                    edits.push((child.open, child.open + 1, " "));
                    edits.push((at, at + word.len(), "  "));
                    edits.push((child.close, child.close + 1, " "));
                }
                Some(keyword @ ("catch" | "catch_all" | "delegate")) => {
                    delegated |= keyword == "delegate";
                    edits.push((child.open, child.open + 1, " "));
                    edits.push((child.close, child.close + 1, " "));
                }
                _ => {}
            }
        }
        edits.push((
            form.close,
            form.close + 1,
            if delegated { " " } else { "end" },
        ));
    }
    for child in &form.children {
        collect_edits(child, edits);
    }
}

/// The top-level forms of `source`, skipping comments and strings; `None` when the
/// parentheses do not balance.
fn forms(source: &str) -> Option<Vec<Form<'_>>> {
    let bytes = source.as_bytes();
    let mut stack: Vec<Form<'_>> = Vec::new();
    let mut top = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b';' if bytes.get(i + 1) == Some(&b';') => {
                i = source[i..].find('\n').map_or(bytes.len(), |n| i + n);
            }
            b'(' if bytes.get(i + 1) == Some(&b';') => {
                i = skip_block_comment(bytes, i)?;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b'(' => {
                stack.push(Form {
                    open: i,
                    close: i,
                    head: None,
                    children: Vec::new(),
                });
                i += 1;
            }
            b')' => {
                let mut form = stack.pop()?;
                form.close = i;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(form),
                    None => top.push(form),
                }
                i += 1;
            }
            b if b.is_ascii_whitespace() => i += 1,
            _ => {
                let start = i;
                while i < bytes.len()
                    && !bytes[i].is_ascii_whitespace()
                    && !matches!(bytes[i], b'(' | b')' | b'"' | b';')
                {
                    i += 1;
                }
                if let Some(form) = stack.last_mut()
                    && form.head.is_none()
                    && form.children.is_empty()
                {
                    form.head = Some((start, &source[start..i]));
                }
                i = i.max(start + 1);
            }
        }
    }
    stack.is_empty().then_some(top)
}

/// The index just past the block comment starting at `start` (comments nest).
fn skip_block_comment(bytes: &[u8], start: usize) -> Option<usize> {
    let mut depth = 0;
    let mut i = start;
    while i + 1 < bytes.len() {
        match (bytes[i], bytes[i + 1]) {
            (b'(', b';') => {
                depth += 1;
                i += 2;
            }
            (b';', b')') => {
                depth -= 1;
                i += 2;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => i += 1,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folded_try_becomes_flat_in_place() {
        let folded = "(func (try (result i32)\n  (do (i32.const 1))\n  (catch $e (i32.const 2))))";
        let flat = unfold_legacy_try(folded);
        assert_eq!(
            flat,
            "(func  try (result i32)\n      (i32.const 1) \n   catch $e (i32.const 2) end)"
        );
        assert_eq!(flat.lines().count(), folded.lines().count());
    }

    #[test]
    fn delegate_ends_the_try_and_nesting_is_handled() {
        let folded = "(try $t (do (try (do (throw $e)) (delegate $t))) (catch_all))";
        assert_eq!(
            unfold_legacy_try(folded),
            " try $t      try     (throw $e)   delegate $t     catch_all end"
        );
    }

    #[test]
    fn other_scripts_are_untouched() {
        let script = "(module (func (block (do_not_touch)))) ;; (try (do))\n(; (do ;)";
        assert!(matches!(
            unfold_legacy_try(script),
            std::borrow::Cow::Borrowed(_)
        ));
        let flat_try = "(func try (result i32) i32.const 1 catch_all i32.const 2 end)";
        assert_eq!(unfold_legacy_try(flat_try), flat_try);
    }
}
