//! Sending mail over SMTP with `lettre`: the server's settings as an
//! operator gives them, and one stored message sent. What is mailed and
//! when (the queue, its retries) is `bestpick-store`'s and the web side's.

use anyhow::Context;
use bestpick_store::QueuedMail;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::time::Duration;

/// How the server is reached: `smtps://` TLS from the first byte (port
/// 465), `smtp://` STARTTLS required (port 587), `smtp+plain://` none at
/// all, for a server on this machine (port 25).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Security {
    Tls,
    StartTls,
    Plain,
}

/// The SMTP server and who mail is from.
#[derive(Clone)]
pub struct MailSettings {
    pub host: String,
    pub port: u16,
    pub security: Security,
    /// A user name and password, when the server asks for them.
    pub login: Option<(String, String)>,
    pub from: Mailbox,
}

/// Without the password: settings end up in logs.
impl std::fmt::Debug for MailSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("user", &self.login.as_ref().map(|(u, _)| u))
            .field("from", &self.from)
            .finish()
    }
}

impl MailSettings {
    /// Reads `--smtp-url`: a scheme, a host and a port, no more. A user
    /// name or password in it would show in `ps` and shell history, so it
    /// is refused; they come from `--smtp-user` and the environment.
    pub fn parse(
        url: &str,
        user: Option<String>,
        password: Option<String>,
        from: &str,
    ) -> anyhow::Result<MailSettings> {
        let parsed = url::Url::parse(url).with_context(|| {
            format!("--smtp-url: '{url}' is not an address such as smtp://mail.example:587")
        })?;
        let (security, default_port) = match parsed.scheme() {
            "smtps" => (Security::Tls, 465),
            "smtp" => (Security::StartTls, 587),
            "smtp+plain" => (Security::Plain, 25),
            other => anyhow::bail!(
                "--smtp-url: the scheme must be smtps:// (TLS), smtp:// (STARTTLS) or smtp+plain:// (none), not {other}://"
            ),
        };
        if !parsed.username().is_empty() || parsed.password().is_some() {
            anyhow::bail!(
                "--smtp-url must not hold a user name or password: give --smtp-user, and the password in BESTPICK_SMTP_PASSWORD or --smtp-password-file"
            );
        }
        if !parsed.path().trim_matches('/').is_empty() || parsed.query().is_some() {
            anyhow::bail!(
                "--smtp-url: '{url}' must be smtp://HOST:PORT, with nothing after the port"
            );
        }
        let host = parsed
            .host_str()
            .filter(|h| !h.is_empty())
            .with_context(|| format!("--smtp-url: '{url}' has no host"))?
            .trim_matches(['[', ']'])
            .to_owned();
        let from: Mailbox = from.parse().map_err(|e| {
            anyhow::anyhow!("--mail-from: '{from}' is not an address such as \"Films <news@films.example>\" ({e})")
        })?;
        // A password sent in clear over the network: only to this machine.
        let local = matches!(host.as_str(), "localhost" | "127.0.0.1" | "::1");
        if security == Security::Plain && user.is_some() && !local {
            anyhow::bail!(
                "--smtp-url: smtp+plain:// would send the password unencrypted to {host}; use smtps:// or smtp://"
            );
        }
        let login = match (user, password) {
            (Some(u), Some(p)) => Some((u, p)),
            (None, None) => None,
            (Some(_), None) => anyhow::bail!(
                "--smtp-user is given without a password: set BESTPICK_SMTP_PASSWORD or --smtp-password-file"
            ),
            (None, Some(_)) => anyhow::bail!("a password is given without --smtp-user"),
        };
        Ok(MailSettings {
            host,
            port: parsed.port().unwrap_or(default_port),
            security,
            login,
            from,
        })
    }

    fn transport(&self) -> anyhow::Result<AsyncSmtpTransport<Tokio1Executor>> {
        let builder = match self.security {
            Security::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&self.host)?,
            Security::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&self.host)?,
            Security::Plain => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&self.host),
        };
        let builder = builder
            .port(self.port)
            .timeout(Some(Duration::from_secs(30)));
        let builder = match &self.login {
            Some((u, p)) => builder.credentials(Credentials::new(u.clone(), p.clone())),
            None => builder,
        };
        Ok(builder.build())
    }
}

/// Sends with one pooled connection to the server.
pub struct Mailer {
    settings: MailSettings,
    transport: AsyncSmtpTransport<Tokio1Executor>,
}

impl Mailer {
    pub fn new(settings: MailSettings) -> anyhow::Result<Mailer> {
        Ok(Mailer {
            transport: settings.transport()?,
            settings,
        })
    }

    pub fn from(&self) -> &Mailbox {
        &self.settings.from
    }

    /// Sends one message: plain text and HTML, with the one-click
    /// unsubscribe headers (RFC 8058) when it has an unsubscribe address.
    pub async fn send(&self, mail: &QueuedMail) -> Result<(), SendError> {
        let to: Mailbox = mail.recipient.parse().map_err(|e| SendError {
            why: format!("'{}' is not a mail address ({e})", mail.recipient),
            permanent: true,
        })?;
        let message = self.message(mail, to).map_err(|e| SendError {
            why: format!("{e:#}"),
            permanent: true,
        })?;
        self.transport.send(message).await.map_err(|e| SendError {
            permanent: e.is_permanent(),
            why: e.to_string(),
        })?;
        Ok(())
    }

    fn message(&self, mail: &QueuedMail, to: Mailbox) -> anyhow::Result<Message> {
        let mut message = Message::builder()
            .message_id(None)
            .from(self.settings.from.clone())
            .to(to)
            .subject(mail.subject.clone());
        if let Some(link) = &mail.unsubscribe {
            let header = |name: &str, value: String| {
                HeaderName::new_from_ascii(name.to_owned())
                    .map(|n| HeaderValue::new(n, value))
                    .map_err(|e| anyhow::anyhow!("{e}"))
            };
            message = message
                .raw_header(header("List-Unsubscribe", format!("<{link}>"))?)
                .raw_header(header(
                    "List-Unsubscribe-Post",
                    "List-Unsubscribe=One-Click".into(),
                )?);
        }
        Ok(message.multipart(MultiPart::alternative_plain_html(
            mail.text_body.clone(),
            mail.html_body.clone(),
        ))?)
    }
}

/// Why a message was not sent, and whether trying again can help (the
/// server refused the address for good: a 5xx answer).
#[derive(Debug)]
pub struct SendError {
    pub why: String,
    pub permanent: bool,
}

impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.why)
    }
}

impl std::error::Error for SendError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_password_goes_in_clear_to_another_machine() {
        let e = MailSettings::parse(
            "smtp+plain://m.example",
            Some("u".into()),
            Some("p".into()),
            "a@b.example",
        )
        .unwrap_err();
        assert!(e.to_string().contains("unencrypted"), "{e}");
        assert!(MailSettings::parse(
            "smtp+plain://127.0.0.1:25",
            Some("u".into()),
            Some("p".into()),
            "a@b.example"
        )
        .is_ok());
    }

    #[test]
    fn smtp_addresses_are_checked() {
        let ok = MailSettings::parse(
            "smtp://mail.example",
            None,
            None,
            "Films <news@films.example>",
        )
        .unwrap();
        assert_eq!((ok.port, ok.security), (587, Security::StartTls));
        let tls = MailSettings::parse(
            "smtps://mail.example:2465",
            Some("u".into()),
            Some("p".into()),
            "news@films.example",
        )
        .unwrap();
        assert_eq!(
            (tls.port, tls.security, tls.login.is_some()),
            (2465, Security::Tls, true)
        );
        let plain = MailSettings::parse(
            "smtp+plain://127.0.0.1:2525",
            None,
            None,
            "news@films.example",
        )
        .unwrap();
        assert_eq!(
            (plain.host.as_str(), plain.port, plain.security),
            ("127.0.0.1", 2525, Security::Plain)
        );
        for (url, says) in [
            (
                "smtp://user:secret@mail.example",
                "must not hold a user name or password",
            ),
            ("http://mail.example", "the scheme must be"),
            ("smtp://mail.example/x", "nothing after the port"),
            ("mail.example", "not an address"),
        ] {
            let e = MailSettings::parse(url, None, None, "news@films.example")
                .unwrap_err()
                .to_string();
            assert!(e.contains(says), "{url}: {e}");
        }
        let e = MailSettings::parse("smtp://m.example", None, None, "not an address").unwrap_err();
        assert!(e.to_string().contains("--mail-from"), "{e}");
        let e = MailSettings::parse("smtp://m.example", Some("u".into()), None, "a@b.example")
            .unwrap_err();
        assert!(e.to_string().contains("BESTPICK_SMTP_PASSWORD"), "{e}");
    }
}
