//! The risk matrix: what a finding asks of the person (or agent) making the change.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What scopecheck asks for when a rule fires, ordered from least to most severe.
///
/// The decision of a [`Report`](crate::Report) is the highest action among its findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// Recorded, never shown as a problem.
    Allow,
    /// Shown to the user; does not stop the change.
    Warn,
    /// Needs a human's approval. Until approvals exist it stops the change like `block`,
    /// but the message says what a human has to look at.
    Review,
    /// Stops the change.
    Block,
}

impl Action {
    /// Every action, least severe first.
    pub const ALL: [Action; 4] = [Action::Allow, Action::Warn, Action::Review, Action::Block];

    /// The name used in configuration files and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Allow => "allow",
            Action::Warn => "warn",
            Action::Review => "review",
            Action::Block => "block",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error for a string that names no [`Action`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not an action; expected one of allow, warn, review, block")]
pub struct UnknownAction(pub String);

impl FromStr for Action {
    type Err = UnknownAction;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Action::ALL
            .into_iter()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| UnknownAction(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordering_is_the_risk_matrix() {
        assert!(Action::Allow < Action::Warn);
        assert!(Action::Warn < Action::Review);
        assert!(Action::Review < Action::Block);
    }

    #[test]
    fn parses_its_own_names_and_rejects_others() {
        for a in Action::ALL {
            assert_eq!(a.as_str().parse::<Action>(), Ok(a));
        }
        assert!("deny".parse::<Action>().is_err());
        assert!("Block".parse::<Action>().is_err());
    }
}
