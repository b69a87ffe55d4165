//! The command line, as clap reads it. Doc comments are the `--help` text.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// A self-hosted publishing platform for film and TV recommendation sites.
#[derive(Debug, Parser)]
#[command(name = "bestpick", version, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// Where the site's data lives.
#[derive(Debug, Args)]
pub struct DataArg {
    /// The data folder: database, media and theme. Created when missing.
    #[arg(long, env = "BESTPICK_DATA", default_value = "./bestpick-data")]
    pub data: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the site.
    Serve {
        /// The address to listen on.
        #[arg(long, env = "BESTPICK_LISTEN", default_value = "127.0.0.1:8080")]
        listen: String,
        #[command(flatten)]
        data: DataArg,
    },
    /// Load the sample content, and create an admin when there is none.
    Demo {
        #[command(flatten)]
        data: DataArg,
    },
    /// Manage users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Import content files (Markdown with TOML front matter) or folders of them.
    Import {
        /// Files or folders; folders are searched for *.md files.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        #[command(flatten)]
        data: DataArg,
    },
    /// Write every post back as content files, with their cover images.
    Export {
        /// The folder to write into (created when missing).
        dir: PathBuf,
        #[command(flatten)]
        data: DataArg,
    },
    /// Manage API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user. The password is asked for, or read from stdin when it is not a terminal.
    Add {
        /// The user name: lowercase letters, digits, '-' and '_'.
        name: String,
        /// What the user may do.
        #[arg(long, value_enum)]
        role: RoleArg,
        /// The name readers see; the user name when not given.
        #[arg(long)]
        display_name: Option<String>,
        #[command(flatten)]
        data: DataArg,
    },
    /// List users and their roles.
    List {
        #[command(flatten)]
        data: DataArg,
    },
    /// Set a user's password (asked for, or read from stdin); ends their sessions.
    Passwd {
        name: String,
        #[command(flatten)]
        data: DataArg,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token for the JSON API; it is shown once.
    Create {
        /// A name to recognise the token by, such as the tool that uses it.
        name: String,
        /// The user the token acts for; the first admin when not given.
        #[arg(long)]
        user: Option<String>,
        #[command(flatten)]
        data: DataArg,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RoleArg {
    /// Everything, including users.
    Admin,
    /// All posts and sections.
    Editor,
    /// Own posts; submits them for review.
    Author,
}

impl From<RoleArg> for bestpick_core::user::Role {
    fn from(r: RoleArg) -> Self {
        use bestpick_core::user::Role;
        match r {
            RoleArg::Admin => Role::Admin,
            RoleArg::Editor => Role::Editor,
            RoleArg::Author => Role::Author,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }
}
