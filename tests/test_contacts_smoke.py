def test_create_and_get(api):
    reply = api.post("/v1/contacts", {"family_name": "山田", "given_name": "太郎", "email": "taro@example.jp"})
    assert reply.status == 201, reply.body
    got = api.get(f"/v1/contacts/{reply.body['id']}")
    assert got.status == 200 and got.body["display_name"] == "山田 太郎"
