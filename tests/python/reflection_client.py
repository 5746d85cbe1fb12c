# A Python grpcio client that knows only the address: descriptors come from server reflection.
import sys, json, grpc
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase
from google.protobuf.descriptor_pool import DescriptorPool
from google.protobuf.message_factory import GetMessageClass
from google.protobuf import json_format

addr, token = sys.argv[1], sys.argv[2]
ch = grpc.insecure_channel(addr)
db = ProtoReflectionDescriptorDatabase(ch)
print("services:", sorted(db.get_services()))
pool = DescriptorPool(db)

def call(service, method, body, token=None):
    m = pool.FindServiceByName(service).FindMethodByName(method)
    Req, Res = GetMessageClass(m.input_type), GetMessageClass(m.output_type)
    stub = ch.unary_unary(f"/{service}/{method}", request_serializer=Req.SerializeToString, response_deserializer=Res.FromString)
    md = [("authorization", f"Bearer {token}")] if token else None
    return json_format.MessageToDict(stub(json_format.ParseDict(body, Req()), metadata=md))

info = call("sjdj.v1.RegistryService", "GetNodeInfo", {})
print("node:", info["nodeId"], info["role"])
print("tokens:", len(call("sjdj.v1.AdminService", "ListTokens", {}, token)["tokens"]))
try:
    call("sjdj.v1.RegistryService", "GetRecord", {"code": "ABC"})
except grpc.RpcError as e:
    print("refusal:", e.code(), e.details())
    # The refusal's details, decoded with descriptors the node serves by reflection alone.
    details = dict(e.trailing_metadata())["grpc-status-details-bin"]
    status = GetMessageClass(pool.FindMessageTypeByName("google.rpc.Status")).FromString(details)
    for any_detail in status.details:
        name = any_detail.type_url.split("/")[-1]
        detail = GetMessageClass(pool.FindMessageTypeByName(name)).FromString(any_detail.value)
        print("detail:", name, json.dumps(json_format.MessageToDict(detail), sort_keys=True))
# A 1 MiB code: the refusal must still reach a stock client, its reason readable and short
# (an echoed input used to make a ~900 KB trailer that grpcio rejects).
try:
    call("sjdj.v1.RegistryService", "GetRecord", {"code": "1" * (1 << 20)})
except grpc.RpcError as e:
    print(f"long refusal: {e.code()} {e.details().split(':')[0]} {len(e.details().encode())} bytes")
