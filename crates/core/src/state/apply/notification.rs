//! Notifications to family, consulate or monitor, and their acknowledgement.

use super::At;
use crate::ids::*;
use crate::judicial::Recipient;
use crate::state::State;
use crate::state::views::*;
use crate::violation::{Rule, Violation};

impl State {
    pub(super) fn notification_sent(
        &mut self,
        t: At<'_>,
        notification: &NotificationId,
        person: &PersonId,
        recipient: &Recipient,
        channel: &str,
        subject: &str,
    ) -> Result<(), Violation> {
        self.unique(
            self.notifications.contains(notification.as_str()),
            "notification",
            notification,
        )?;
        self.person_view(person)?;
        self.notifications.put(
            notification.as_str(),
            NotificationView {
                person: person.clone(),
                recipient: recipient.clone(),
                channel: channel.to_string(),
                subject: subject.to_string(),
                sent_at: t.at,
                acknowledged_by: None,
            },
        );
        Ok(())
    }

    pub(super) fn notification_acknowledged(
        &mut self,
        notification: &NotificationId,
        by: &str,
    ) -> Result<(), Violation> {
        let n = self
            .notifications
            .get(notification.as_str())
            .ok_or_else(|| {
                Violation::new(
                    Rule::KnownRecord,
                    format!("notification {notification} does not exist"),
                )
            })?;
        if n.acknowledged_by.is_some() {
            return Err(Violation::new(
                Rule::KnownRecord,
                format!("notification {notification} is already acknowledged"),
            ));
        }
        self.notifications.update(notification.as_str(), |n| {
            n.acknowledged_by = Some(by.to_string())
        });
        Ok(())
    }
}
