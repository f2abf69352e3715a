CREATE INDEX inv_lot_item ON inv_lot(warehouse_id, item_id);
