//! The one message each single-resource response carries, for clients. API v1 answers every
//! RPC with its own `<Rpc>Response` (so an RPC can grow fields without breaking another); most
//! of them wrap one resource, and a client wants that resource.
use super::pb;
use tonic::{Response, Status};

/// A response that carries one message.
pub trait Carries: Sized {
    type Carried;
    /// The carried message; its absence is the node's fault, answered as INTERNAL.
    fn carried(self) -> Result<Self::Carried, Status>;
}

macro_rules! carries {
    ($($response:ident . $field:ident : $carried:ident),* $(,)?) => {$(
        impl Carries for pb::$response {
            type Carried = pb::$carried;
            fn carried(self) -> Result<pb::$carried, Status> {
                self.$field.ok_or_else(|| {
                    Status::internal(concat!(
                        "the node's ", stringify!($response), " carries no ", stringify!($field)
                    ))
                })
            }
        }
    )*};
}

carries!(
    CreateApplicationResponse.application: Application,
    UpdateApplicationResponse.application: Application,
    SubmitApplicationResponse.application: Application,
    SupplementApplicationResponse.application: Application,
    WithdrawApplicationResponse.application: Application,
    GetApplicationResponse.application: Application,
    UploadAttachmentResponse.attachment: AttachmentRef,
    AcceptApplicationResponse.application: Application,
    ReturnForSupplementResponse.application: Application,
    RefuseAcceptanceResponse.application: Application,
    PassReviewResponse.application: Application,
    RefuseReviewResponse.application: Application,
    ResolveObjectionResponse.application: Application,
    CorrectRecordResponse.record: Record,
    RevokeRecordResponse.record: Record,
    GetRecordResponse.record: Record,
    FileObjectionResponse.objection: Objection,
    GetCertificateResponse.certificate: Certificate,
    RevokeTokenResponse.token: TokenInfo,
    GetClockResponse.clock: ClockState,
    AdvanceClockResponse.clock: ClockState,
    DelegateRegionResponse.node: TrustedNode,
    RotateNodeKeyResponse.node: TrustedNode,
    RevokeNodeKeyResponse.node: TrustedNode,
    HandOverRegionResponse.node: TrustedNode,
    PushStreamRequest.push: PushRequest,
    PushStreamResponse.result: PushResponse,
);

/// A call's outcome, straight to the carried message.
pub trait CarriedAnswer<T> {
    fn carried(self) -> Result<T, Status>;
}

impl<R: Carries> CarriedAnswer<R::Carried> for Result<Response<R>, Status> {
    fn carried(self) -> Result<R::Carried, Status> {
        self?.into_inner().carried()
    }
}
