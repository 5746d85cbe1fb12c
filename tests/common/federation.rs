//! Federation in tests: provinces linked to a national node, delegations, hosting and
//! handovers, tokens issued over the admin API, the national node's sync state.
use super::*;

/// What `national` holds of `node_id`'s log (FederationService.GetSyncState).
pub async fn sync_state(national: &Node, node_id: &str) -> pb::GetSyncStateResponse {
    let mut fed =
        pb::federation_service_client::FederationServiceClient::new(national.channel().await);
    let req = pb::GetSyncStateRequest {
        node_id: node_id.into(),
    };
    fed.get_sync_state(req).await.unwrap().into_inner()
}

impl Node {
    /// A province node that pushes to `national`: its key is delegated `region` in the national
    /// trust list first. Clock control on, dev tokens written, checkpoints and pushes every
    /// 100 ms so tests see sync within a second.
    pub async fn federated(id: &str, region: &str, national: &Node) -> Node {
        Node::federated_batches(id, region, national, 1000).await
    }

    /// As [`Node::federated`], pushing at most `batch` entries per batch.
    pub async fn federated_batches(id: &str, region: &str, national: &Node, batch: u64) -> Node {
        let spec = Spec::province(id, region)
            .drill()
            .federated(national, batch);
        Node::delegated(spec, id, region, national).await
    }

    /// The node of `spec`, once `national` has delegated `region` to its key (made first in
    /// its new temp dir) and it has seen the delegation.
    pub async fn delegated(spec: Spec, id: &str, region: &str, national: &Node) -> Node {
        let dir = tempfile::tempdir().expect("temp dir");
        let key = sjdj::node::keyfile::generate(&dir.path().join("node.key")).expect("key");
        national
            .delegate(id, region, &hex::encode(key.verifying_key().to_bytes()))
            .await
            .expect("delegate");
        let node = spec.start_in(dir, None).await;
        node.wait_delegated().await;
        node
    }

    /// An AdminService client on a fresh channel.
    pub async fn admin(&self) -> pb::admin_service_client::AdminServiceClient<Channel> {
        pb::admin_service_client::AdminServiceClient::new(self.channel().await)
    }

    /// National: hosts a province namespace (the dev admin token).
    pub async fn host(&self, region: &str) -> Result<pb::HostRegionResponse, tonic::Status> {
        let req = pb::HostRegionRequest {
            region: region.into(),
        };
        self.admin()
            .await
            .host_region(authed(&self.token("admin"), req))
            .await
            .map(|r| r.into_inner())
    }

    /// National: hands a hosted namespace over to a node key (the dev admin token).
    pub async fn hand_over(
        &self,
        region: &str,
        node_id: &str,
        key_hex: &str,
    ) -> Result<pb::TrustedNode, tonic::Status> {
        let req = pb::HandOverRegionRequest {
            region: region.into(),
            node_id: node_id.into(),
            public_key: key_hex.into(),
        };
        self.admin()
            .await
            .hand_over_region(authed(&self.token("admin"), req))
            .await
            .carried()
    }

    /// A registration for a subject in `subject_region`: the application once the clock has
    /// moved past publicity.
    pub async fn registered_for(&self, subject_region: &str) -> pb::Application {
        let flow = self.flow().await;
        let mut m = flow.materials().await;
        m.subject.as_mut().expect("subject").region = subject_region.into();
        let app = flow.create(m).await.expect("create");
        let app = flow.submit(&app).await.expect("submit");
        self.to_publicity(&app.id).await;
        self.advance_days(40).await;
        flow.get(&app.id).await
    }

    /// Waits until the node's own copy of the national trust list (which it takes from the
    /// national log it follows) delegates its namespace to it: from then on it mints.
    pub async fn wait_delegated(&self) {
        let id = self.args_node_id();
        let what = format!("{id} to see its delegation in the national log");
        eventually(30, &what, || async {
            let mut fed =
                pb::federation_service_client::FederationServiceClient::new(self.channel().await);
            let list = fed
                .get_trust_list(pb::GetTrustListRequest {})
                .await
                .expect("trust list")
                .into_inner();
            list.nodes.iter().any(|n| n.node_id == id).then_some(())
        })
        .await
    }

    /// The node id in the node's config file.
    fn args_node_id(&self) -> String {
        let path = self.dir.path().join("node.toml");
        let text = std::fs::read_to_string(path).expect("node.toml");
        let line = text
            .lines()
            .find(|l| l.starts_with("id = "))
            .expect("an id line");
        line.trim_start_matches("id = ")
            .trim_matches('"')
            .to_string()
    }

    /// A province node linked to `national` whose key (in `dir`/node.key) is not delegated yet.
    pub async fn federated_undelegated(id: &str, region: &str, national: &Node) -> Node {
        let dir = tempfile::tempdir().expect("temp dir");
        sjdj::node::keyfile::generate(&dir.path().join("node.key")).expect("key");
        Spec::province(id, region)
            .drill()
            .federated(national, 1000)
            .start_in(dir, None)
            .await
    }

    /// A national node (config-based, dev tokens) with `/metrics` on a port the OS picked, and
    /// that address.
    pub async fn national_with_metrics() -> (Node, String) {
        let (spec, metrics) = Spec::national().drill().metrics();
        (spec.start().await, metrics)
    }

    /// The node's public key, 64 hex digits (from `node.key.pub` beside its key).
    pub fn public_key_hex(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("node.key.pub"))
            .expect("node.key.pub")
            .trim()
            .to_string()
    }

    /// Issues a token with the dev admin token: `role`, `holder`, bound to `subject` (a credit
    /// code, or empty), valid `ttl_days` (0: the node's default).
    pub async fn issue_token(
        &self,
        role: pb::Role,
        holder: &str,
        subject: &str,
        ttl_days: u32,
    ) -> pb::CreateTokenResponse {
        let req = pb::CreateTokenRequest {
            request_id: rid(),
            role: role as i32,
            holder: holder.into(),
            subject_credit_code: subject.into(),
            ttl_days,
        };
        self.admin()
            .await
            .create_token(authed(&self.token("admin"), req))
            .await
            .expect("issue a token")
            .into_inner()
    }

    /// National: delegates `region` to a node key (the dev admin token).
    pub async fn delegate(
        &self,
        id: &str,
        region: &str,
        key_hex: &str,
    ) -> Result<pb::TrustedNode, tonic::Status> {
        let mut admin = pb::admin_service_client::AdminServiceClient::new(self.channel().await);
        let req = pb::DelegateRegionRequest {
            node_id: id.into(),
            region: region.into(),
            public_key: key_hex.into(),
        };
        admin
            .delegate_region(authed(&self.token("admin"), req))
            .await
            .carried()
    }
}
