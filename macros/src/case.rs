//! serde's `rename_all` rules, applied to variant names exactly as serde applies them.

/// One `rename_all` rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RenameRule {
    Lower,
    Upper,
    Pascal,
    Camel,
    Snake,
    ScreamingSnake,
    Kebab,
    ScreamingKebab,
}

/// Every rule, by the name a user writes.
pub(crate) const RULES: &[(&str, RenameRule)] = &[
    ("lowercase", RenameRule::Lower),
    ("UPPERCASE", RenameRule::Upper),
    ("PascalCase", RenameRule::Pascal),
    ("camelCase", RenameRule::Camel),
    ("snake_case", RenameRule::Snake),
    ("SCREAMING_SNAKE_CASE", RenameRule::ScreamingSnake),
    ("kebab-case", RenameRule::Kebab),
    ("SCREAMING-KEBAB-CASE", RenameRule::ScreamingKebab),
];

impl RenameRule {
    pub(crate) fn from_name(name: &str) -> Option<Self> {
        RULES
            .iter()
            .find(|(rule, _)| *rule == name)
            .map(|(_, rule)| *rule)
    }

    /// The valid names, quoted, for error messages.
    pub(crate) fn valid_names() -> String {
        RULES
            .iter()
            .map(|(name, _)| format!("\"{name}\""))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Renames a `PascalCase` variant name, as serde's `RenameRule::apply_to_variant` does.
    pub(crate) fn apply_to_variant(self, variant: &str) -> String {
        match self {
            RenameRule::Pascal => variant.to_owned(),
            RenameRule::Lower => variant.to_ascii_lowercase(),
            RenameRule::Upper => variant.to_ascii_uppercase(),
            RenameRule::Camel => {
                let mut chars = variant.chars();
                match chars.next() {
                    Some(first) => first.to_ascii_lowercase().to_string() + chars.as_str(),
                    None => String::new(),
                }
            }
            RenameRule::Snake => {
                let mut snake = String::new();
                for (i, ch) in variant.char_indices() {
                    if i > 0 && ch.is_uppercase() {
                        snake.push('_');
                    }
                    snake.push(ch.to_ascii_lowercase());
                }
                snake
            }
            RenameRule::ScreamingSnake => RenameRule::Snake
                .apply_to_variant(variant)
                .to_ascii_uppercase(),
            RenameRule::Kebab => RenameRule::Snake
                .apply_to_variant(variant)
                .replace('_', "-"),
            RenameRule::ScreamingKebab => RenameRule::ScreamingSnake
                .apply_to_variant(variant)
                .replace('_', "-"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_match_serde() {
        let expected = [
            ("lowercase", "userjoined"),
            ("UPPERCASE", "USERJOINED"),
            ("PascalCase", "UserJoined"),
            ("camelCase", "userJoined"),
            ("snake_case", "user_joined"),
            ("SCREAMING_SNAKE_CASE", "USER_JOINED"),
            ("kebab-case", "user-joined"),
            ("SCREAMING-KEBAB-CASE", "USER-JOINED"),
        ];
        for (rule, name) in expected {
            let rule = RenameRule::from_name(rule).unwrap();
            assert_eq!(rule.apply_to_variant("UserJoined"), name);
        }
        assert_eq!(RenameRule::Snake.apply_to_variant("A"), "a");
        assert_eq!(
            RenameRule::Snake.apply_to_variant("HTTPError"),
            "h_t_t_p_error"
        );
        assert!(RenameRule::from_name("snake").is_none());
    }
}
