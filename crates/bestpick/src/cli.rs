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
    /// The database: postgres://USER@HOST/DATABASE for PostgreSQL, or
    /// sqlite:PATH; by default bestpick.db in the data folder.
    #[arg(long, env = "BESTPICK_DATABASE_URL")]
    pub database: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the site.
    Serve(ServeArgs),
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
        /// Add the sections the files name that the site does not have yet
        /// (each named after its address; `bestpick section rename` renames it).
        #[arg(long)]
        create_sections: bool,
        #[command(flatten)]
        data: DataArg,
    },
    /// Compute now the related picks an import left for the server to
    /// compute in the background.
    Related {
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
    /// Manage sections, the site's departments (Best Pick, Essays, News...).
    Section {
        #[command(subcommand)]
        command: SectionCommand,
    },
    /// Show or change the site's settings (name, tagline, comment and spam settings).
    Settings {
        #[command(subcommand)]
        command: SettingsCommand,
    },
    /// The newsletter: try it on one address.
    Newsletter {
        #[command(subcommand)]
        command: NewsletterCommand,
    },
    /// A commenter's data: export it or erase it.
    Comments {
        #[command(subcommand)]
        command: CommentsCommand,
    },
    /// Train and evaluate the comment spam classifier.
    Spam {
        #[command(subcommand)]
        command: SpamCommand,
    },
    /// Move a whole site between databases (SQLite and PostgreSQL, either way).
    Db {
        #[command(subcommand)]
        command: DbCommand,
    },
    /// Write a consistent snapshot of the site's database to a new SQLite
    /// file, while the site serves. (Uploaded media are files: copy the
    /// data folder's media/ beside it.)
    Backup {
        /// The file to write; it must not exist yet.
        out: PathBuf,
        #[command(flatten)]
        data: DataArg,
    },
    /// Bring a backup back into the site's database, which must be empty.
    Restore {
        /// A file written by `bestpick backup`.
        input: PathBuf,
        /// Finish a restore that was cut short (the database then holds part of this backup).
        #[arg(long)]
        resume: bool,
        #[command(flatten)]
        data: DataArg,
    },
}

#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Copy every table from one database to another, verified by counts
    /// and checksums per table. The destination must be empty; run again
    /// with --resume to finish a copy that was cut short.
    Copy {
        /// The source: sqlite:PATH or postgres://USER@HOST/DATABASE.
        #[arg(long)]
        from: String,
        /// The destination: sqlite:PATH or postgres://USER@HOST/DATABASE
        /// (created and migrated when new).
        #[arg(long)]
        to: String,
        /// Finish a copy that was cut short.
        #[arg(long)]
        resume: bool,
    },
}

/// How `serve` runs.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The address to listen on.
    #[arg(long, env = "BESTPICK_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// The site's public address (https://example.org): every absolute
    /// link (canonical, feeds, sitemap, social cards, mail) starts with
    /// it. Over the `site_url` setting.
    #[arg(long, env = "BESTPICK_BASE_URL", value_parser = parse_site_url)]
    pub base_url: Option<bestpick_core::SiteUrl>,
    /// The most memory, in MiB, that rendered pages kept for readers
    /// may hold (least recently used out first).
    #[arg(long, env = "BESTPICK_PAGE_CACHE_MB", default_value_t = bestpick_web::Options::default().page_cache_bytes >> 20)]
    pub page_cache_mb: usize,
    /// A reverse proxy (address or network, such as 10.0.0.0/8) whose
    /// X-Forwarded-For and X-Forwarded-Proto are believed; repeat it or
    /// separate with commas. None by default: the socket's peer is the client.
    #[arg(long = "trusted-proxy", env = "BESTPICK_TRUSTED_PROXIES", value_delimiter = ',', value_parser = bestpick_web::parse_proxy)]
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Seconds a client may take to send a request's headers, from its first byte.
    #[arg(long, env = "BESTPICK_HEADER_TIMEOUT", default_value_t = bestpick_web::Limits::default().header_timeout.as_secs())]
    pub header_timeout: u64,
    /// Seconds a kept-alive connection may wait for its next request.
    #[arg(long, env = "BESTPICK_IDLE_TIMEOUT", default_value_t = bestpick_web::Limits::default().idle_timeout.as_secs())]
    pub idle_timeout: u64,
    /// Connections open at once; more wait until one closes.
    #[arg(long, env = "BESTPICK_MAX_CONNECTIONS", default_value_t = bestpick_web::Limits::default().max_connections)]
    pub max_connections: usize,
    /// For tests only: let federation fetch from and deliver to loopback
    /// and private addresses, over plain http too.
    #[arg(long, env = "BESTPICK_FEDERATION_ALLOW_PRIVATE")]
    pub federation_allow_private: bool,
    #[command(flatten)]
    pub mail: MailArgs,
    #[command(flatten)]
    pub data: DataArg,
}

fn parse_site_url(s: &str) -> Result<bestpick_core::SiteUrl, String> {
    bestpick_core::SiteUrl::parse(s)
}

impl ServeArgs {
    pub fn options(&self) -> anyhow::Result<bestpick_web::Options> {
        use std::time::Duration;
        Ok(bestpick_web::Options {
            page_cache_bytes: self.page_cache_mb << 20,
            trusted_proxies: self.trusted_proxies.clone(),
            limits: bestpick_web::Limits {
                header_timeout: Duration::from_secs(self.header_timeout.max(1)),
                idle_timeout: Duration::from_secs(self.idle_timeout.max(1)),
                max_connections: self.max_connections.max(1),
            },
            mail: self.mail.settings()?,
            federation_allow_private: self.federation_allow_private,
            ..Default::default()
        })
    }
}

/// The SMTP server mail goes through. The password never on the command
/// line (where `ps` and shell history show it): from the environment or a file.
#[derive(Debug, Args)]
pub struct MailArgs {
    /// smtps://HOST:465 (TLS), smtp://HOST:587 (STARTTLS, required) or
    /// smtp+plain://HOST:25 (none, for a server on this machine). No mail
    /// is sent without it.
    #[arg(long, env = "BESTPICK_SMTP_URL")]
    pub smtp_url: Option<String>,
    /// The user name, when the server asks for one.
    #[arg(long, env = "BESTPICK_SMTP_USER")]
    pub smtp_user: Option<String>,
    /// A file holding the password (else BESTPICK_SMTP_PASSWORD).
    #[arg(long, env = "BESTPICK_SMTP_PASSWORD_FILE")]
    pub smtp_password_file: Option<PathBuf>,
    /// Who mail is from: "Films <news@films.example>" (an address of the
    /// site's own domain, which mail servers take).
    #[arg(long, env = "BESTPICK_MAIL_FROM")]
    pub mail_from: Option<String>,
}

impl MailArgs {
    /// The server's settings, or none when no --smtp-url is given.
    pub fn settings(&self) -> anyhow::Result<Option<bestpick_app::mail::MailSettings>> {
        let Some(url) = &self.smtp_url else {
            return Ok(None);
        };
        let password = match &self.smtp_password_file {
            Some(file) => Some(
                std::fs::read_to_string(file)
                    .map_err(|e| anyhow::anyhow!("--smtp-password-file {}: {e}", file.display()))?
                    .trim_end_matches(['\r', '\n'])
                    .to_owned(),
            ),
            None => std::env::var("BESTPICK_SMTP_PASSWORD").ok(),
        };
        let from = self.mail_from.as_deref().ok_or_else(|| {
            anyhow::anyhow!("--smtp-url is given without --mail-from: who is the site's mail from?")
        })?;
        bestpick_app::mail::MailSettings::parse(url, self.smtp_user.clone(), password, from)
            .map(Some)
    }
}

#[derive(Debug, Subcommand)]
pub enum NewsletterCommand {
    /// Mail the newest published pick, as the newsletter, to one address now.
    SendTest {
        /// Where to send it.
        address: String,
        /// The site's public address, for the mail's links (over the
        /// `site_url` setting), as `serve --base-url` takes it.
        #[arg(long, env = "BESTPICK_BASE_URL", value_parser = parse_site_url)]
        base_url: Option<bestpick_core::SiteUrl>,
        #[command(flatten)]
        mail: MailArgs,
        #[command(flatten)]
        data: DataArg,
    },
}

#[derive(Debug, Subcommand)]
pub enum SectionCommand {
    /// Add a section at the end of the order.
    Add {
        /// Its name, as readers see it.
        name: String,
        /// Its address (`/SLUG/`); made from the name when not given.
        #[arg(long, default_value = "")]
        slug: String,
        /// A line shown on its page.
        #[arg(long, default_value = "")]
        description: String,
        #[command(flatten)]
        data: DataArg,
    },
    /// List sections in their order: address, name, and what became of retired ones.
    List {
        #[command(flatten)]
        data: DataArg,
    },
    /// Rename a section; its address stays, so links keep working.
    Rename {
        /// The section's address.
        slug: String,
        /// Its new name.
        name: String,
        /// A new description; the old one stays when not given.
        #[arg(long)]
        description: Option<String>,
        #[command(flatten)]
        data: DataArg,
    },
    /// Retire a section into another: its posts move there, and its
    /// addresses redirect there for good.
    Retire {
        /// The address of the section to retire.
        slug: String,
        /// The address of the active section that takes its place.
        #[arg(long)]
        into: String,
        #[command(flatten)]
        data: DataArg,
    },
}

#[derive(Debug, Subcommand)]
pub enum SettingsCommand {
    /// Print every setting as `key = value`.
    List {
        #[command(flatten)]
        data: DataArg,
    },
    /// Change one setting; the value is checked first.
    Set {
        /// The setting, as `settings list` names it (`site_name`, `comments.max_depth`...).
        key: String,
        /// Its new value.
        value: String,
        #[command(flatten)]
        data: DataArg,
    },
}

#[derive(Debug, Subcommand)]
pub enum CommentsCommand {
    /// Print, as JSON, everything stored about the commenter with this email.
    Export {
        /// The commenter's email address (or, for replies from the
        /// fediverse, their account's id: https://server/users/name).
        #[arg(long)]
        email: String,
        #[command(flatten)]
        data: DataArg,
    },
    /// Delete every comment written with this email (replies by others stay).
    Erase {
        /// The commenter's email address (or, for replies from the
        /// fediverse, their account's id: https://server/users/name).
        #[arg(long)]
        email: String,
        #[command(flatten)]
        data: DataArg,
    },
}

#[derive(Debug, Subcommand)]
pub enum SpamCommand {
    /// Train a model on labelled files and write it (how the shipped model is built).
    Train {
        /// Labelled files: CSV with CONTENT and CLASS (1 spam, 0 legitimate) columns, or
        /// lines of `spam<TAB>text` / `ham<TAB>text`.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Where to write the model.
        #[arg(long)]
        out: PathBuf,
    },
    /// Evaluate a model on a labelled file: accuracy, precision, recall, F1, MCC, the
    /// confusion matrix and the three-way outcome.
    Eval {
        /// A labelled file, in either format `spam train` reads.
        file: PathBuf,
        /// The model to evaluate; the shipped model when not given.
        #[arg(long)]
        model: Option<PathBuf>,
        /// Scores from this up are held for a moderator.
        #[arg(long, default_value_t = bestpick_spam::Thresholds::default().hold)]
        hold: f32,
        /// Scores from this up go to the spam folder.
        #[arg(long, default_value_t = bestpick_spam::Thresholds::default().spam)]
        spam: f32,
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
    /// Set a user's password (asked for, or read from stdin); ends their sessions and API tokens.
    Passwd {
        /// The user name.
        name: String,
        #[command(flatten)]
        data: DataArg,
    },
    /// Remove a user, with their sessions and API tokens.
    Remove {
        /// The user name.
        name: String,
        /// The user who becomes the author of the removed user's posts
        /// (needed when they wrote any).
        #[arg(long)]
        posts_to: Option<String>,
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
        /// When the token stops working: a date (2027-06-30) or a number of
        /// days (90d). It works until revoked when not given.
        #[arg(long)]
        expires: Option<String>,
        #[command(flatten)]
        data: DataArg,
    },
    /// List API tokens: name, user, first characters, when used, when they expire.
    List {
        #[command(flatten)]
        data: DataArg,
    },
    /// Revoke a token at once, by its name or id.
    Revoke {
        /// The token's name or id, as `token list` shows them.
        token: String,
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

    /// Every command, with the path that runs it ("bestpick user add").
    fn leaves(cmd: &clap::Command, path: String, out: &mut Vec<(String, clap::Command)>) {
        if cmd.get_subcommands().next().is_none() {
            out.push((path.clone(), cmd.clone()));
        }
        for sub in cmd.get_subcommands() {
            leaves(sub, format!("{path} {}", sub.get_name()), out);
        }
    }

    #[test]
    fn every_command_and_argument_has_help_text() {
        let mut all = Vec::new();
        leaves(&Cli::command(), "bestpick".into(), &mut all);
        assert!(all.iter().any(|(path, _)| path == "bestpick user add"));
        for (path, cmd) in &all {
            assert!(cmd.get_about().is_some(), "`{path}` has no description");
            for arg in cmd.get_arguments() {
                let id = arg.get_id().as_str();
                if id == "help" || id == "version" {
                    continue;
                }
                assert!(arg.get_help().is_some(), "`{path}`: {id} has no help text");
            }
        }
    }

    /// The README's command table and configuration table follow the code.
    #[test]
    fn the_readme_lists_every_command_and_variable() {
        let readme = include_str!("../../../README.md");
        let mut all = Vec::new();
        leaves(&Cli::command(), "bestpick".into(), &mut all);
        for (path, cmd) in &all {
            assert!(
                readme.contains(&format!("`{path}")),
                "README.md does not describe `{path}`"
            );
            for arg in cmd.get_arguments() {
                if let Some(var) = arg.get_env() {
                    let var = var.to_string_lossy();
                    assert!(
                        readme.contains(&format!("`{var}`")),
                        "README.md does not list `{var}` (used by `{path}`)"
                    );
                }
            }
        }
    }
}
