//! Where a conversation can be transferred, for the operator choosing: the line's other
//! operators with how many conversations each has open, and the other lines.

use serde::Serialize;

use super::{
    OpenLines,
    actions::{handles, load},
};
use crate::{
    Error, Result,
    domain::{LineId, RoomId, User, UserId},
    store::{lines, user_store},
};

#[derive(Clone, Debug, Serialize)]
pub struct TransferOptions {
    pub operators: Vec<OperatorChoice>,
    pub lines: Vec<LineChoice>,
}

#[derive(Clone, Debug, Serialize)]
pub struct OperatorChoice {
    pub user_id: UserId,
    pub display_name: String,
    /// Conversations assigned to them now, on every line.
    pub open_conversations: i64,
}

#[derive(Clone, Debug, Serialize)]
pub struct LineChoice {
    pub id: LineId,
    pub name: String,
}

impl OpenLines {
    /// For whoever may transfer the conversation: its operator or a lead of its line.
    pub async fn transfer_options(&self, actor: &User, room: RoomId) -> Result<TransferOptions> {
        let mut conn = self.store.acquire().await?;
        let (conversation, line) = load(&mut conn, actor, room).await?;
        if !handles(actor, &conversation, &line) {
            return Err(Error::Forbidden(
                "only the conversation's operator or a supervisor may transfer it".into(),
            ));
        }
        let mut operators = Vec::new();
        for (user_id, open_conversations) in lines::operator_loads(&mut conn, line.id).await? {
            if conversation.assignee_id == Some(user_id) {
                continue;
            }
            // The operator choosing may never have met them: the name comes along.
            let Some(user) = user_store::get(&mut conn, user_id).await? else {
                continue;
            };
            operators.push(OperatorChoice {
                user_id,
                display_name: user.display_name,
                open_conversations,
            });
        }
        let lines = lines::line_names(&mut conn)
            .await?
            .into_iter()
            .filter(|(id, _)| *id != line.id)
            .map(|(id, name)| LineChoice { id, name })
            .collect();
        Ok(TransferOptions { operators, lines })
    }
}
